import Foundation
import SwiftProtobuf
import Testing
import VAEGRPCProto

@Suite("Triton's generated gRPC messages")
struct ModelInferRequestTests {
    @Test func inferRequestWithARawInputSurvivesTheWireFormat() throws {
        // One FP32 input of shape [1, 2] sent as raw little-endian bytes, the way perf_analyzer sends tensors.
        let floats: [Float] = [0.5, -1.25]
        let raw = floats.withUnsafeBytes { Data($0) }
        var input = Inference_ModelInferRequest.InferInputTensor()
        input.name = "z"
        input.datatype = "FP32"
        input.shape = [1, 2]
        var output = Inference_ModelInferRequest.InferRequestedOutputTensor()
        output.name = "image"
        var priority = Inference_InferParameter()
        priority.uint64Param = 3
        var request = Inference_ModelInferRequest()
        request.modelName = "vae"
        request.modelVersion = "1"
        request.id = "request-7"
        request.parameters = ["priority": priority]
        request.inputs = [input]
        request.outputs = [output]
        request.rawInputContents = [raw]

        let bytes: [UInt8] = try request.serializedBytes()
        let parsed = try Inference_ModelInferRequest(serializedBytes: bytes)

        #expect(parsed == request)
        #expect(parsed.modelName == "vae")
        #expect(parsed.modelVersion == "1")
        #expect(parsed.id == "request-7")
        #expect(parsed.parameters["priority"]?.uint64Param == 3)
        #expect(parsed.inputs.map(\.name) == ["z"])
        #expect(parsed.inputs.first?.datatype == "FP32")
        #expect(parsed.inputs.first?.shape == [1, 2])
        #expect(parsed.inputs.first?.hasContents == false)
        #expect(parsed.outputs.map(\.name) == ["image"])
        #expect(parsed.rawInputContents == [raw])
        #expect(parsed.rawInputContents.first?.count == 8)
    }
}
