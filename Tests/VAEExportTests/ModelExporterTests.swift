import Foundation
import SwiftProtobuf
import Testing
import VAEExport
import VAEFiles
import VAEFormat
import VAEModel
import VAEONNXProto
import VAETestSupport
import VAETritonConfigProto

@Suite("Exported files: ONNX folders, Triton repositories, errors")
struct ModelExporterTests {
    @Test func onnxFolderHoldsTheThreeGraphs() throws {
        try withTemporaryDirectory { directory in
            let file = try model(.vae)
            let written = try ModelExporter().writeGraphs(file, to: "\(directory)/out/nested")
            #expect(written == ["encoder", "decoder", "denoise"].map { "\(directory)/out/nested/\($0).onnx" })
            let decoder = try Onnx_ModelProto(serializedBytes: try Files.read(written[1]))
            #expect(decoder == (try ONNXExport.model(file, .init(part: .decoder))))
        }
    }

    @Test func existingFilesAreNotReplacedUnlessAsked() throws {
        try withTemporaryDirectory { directory in
            let file = try model(.ae)
            _ = try ModelExporter().writeGraphs(file, to: directory)
            let error = #expect(throws: ExportError.self) { try ModelExporter().writeGraphs(file, to: directory) }
            #expect(error?.code == .outputExists && error?.message.contains("\(directory)/encoder.onnx") == true)
            _ = try ModelExporter(weights: .f16, overwrite: true).writeGraphs(file, to: directory)
            let encoder = try Onnx_ModelProto(serializedBytes: try Files.read("\(directory)/encoder.onnx"))
            #expect(encoder.graph.initializer.contains { $0.dataType == 10 })

            let triton = TritonConfiguration(name: "m")
            _ = try ModelExporter().writeTritonRepository(file, to: directory, triton: triton)
            let again = #expect(throws: ExportError.self) {
                try ModelExporter().writeTritonRepository(file, to: directory, triton: triton)
            }
            #expect(again?.code == .outputExists && again?.message.contains("m.encode") == true)
        }
    }

    @Test func pathsAreJoinedWithoutADoubleSlash() {
        #expect(ModelExporter.join("/", "encoder.onnx") == "/encoder.onnx")
        #expect(ModelExporter.join("out", "encoder.onnx") == "out/encoder.onnx")
    }

    @Test func docStringsUseTheRightArticle() throws {
        #expect(try ONNXExport.model(model(.ae), .init(part: .encoder)).docString.hasPrefix("The encoder of an ae model"))
        #expect(try ONNXExport.model(model(.vae), .init(part: .decoder)).docString.hasPrefix("The decoder of a vae model"))
    }

    @Test func aFailedONNXExportWritesNothing() throws {
        try withTemporaryDirectory { directory in
            let file = try model(.ae)
            try Files.writeAtomically(Array("old".utf8), to: "\(directory)/encoder.onnx")
            try FileManager.default.createDirectory(atPath: "\(directory)/decoder.onnx", withIntermediateDirectories: false)
            let error = #expect(throws: ExportError.self) {
                try ModelExporter(overwrite: true).writeGraphs(file, to: directory)
            }
            #expect(error?.code == .unwritable && error?.message.contains("\(directory)/decoder.onnx") == true)
            #expect(try Files.read("\(directory)/encoder.onnx") == Array("old".utf8))
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == ["decoder.onnx", "encoder.onnx"])
        }
    }

    @Test func aFailedTritonExportLeavesTheRepositoryAsItWas() throws {
        try withTemporaryDirectory { directory in
            let file = try model(.ae)
            let triton = TritonConfiguration(name: "fashion")
            _ = try ModelExporter().writeTritonRepository(file, to: directory, triton: triton)
            let encoder = try Files.read("\(directory)/fashion.encode/1/model.onnx")
            // A file where a model folder should be: it cannot be swapped out, so the export fails after
            // fashion.encode was swapped in, and fashion.encode is put back.
            try FileManager.default.removeItem(atPath: "\(directory)/fashion.decode")
            try Files.writeAtomically(Array("x".utf8), to: "\(directory)/fashion.decode")
            let error = #expect(throws: ExportError.self) {
                try ModelExporter(weights: .f16, overwrite: true).writeTritonRepository(file, to: directory, triton: triton)
            }
            #expect(error?.code == .unwritable && error?.message.contains("\(directory)/fashion.decode") == true)
            #expect(error?.message.contains(".tmp-") == false)
            #expect(try Files.read("\(directory)/fashion.encode/1/model.onnx") == encoder)
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
                    == ["fashion.decode", "fashion.denoise", "fashion.encode"])
        }
    }

    @Test(arguments: Architecture.Kind.allCases)
    func tritonRepositoryFollowsTritonsLayout(kind: Architecture.Kind) throws {
        try withTemporaryDirectory { directory in
            let file = try model(kind)
            let triton = TritonConfiguration(name: "fashion", maxBatchSize: 64, maxQueueDelayMicroseconds: 100)
            let written = try ModelExporter().writeTritonRepository(file, to: directory, triton: triton)
            #expect(written.count == 6)
            for part in ModelPart.allCases {
                let folder = "\(directory)/fashion.\(part.method)"
                let text = String(decoding: try Files.read("\(folder)/config.pbtxt"), as: UTF8.self)
                let config = try Inference_ModelConfig(textFormatString: text)
                #expect(config.name == "fashion.\(part.method)" && config.platform == "onnxruntime_onnx")
                #expect(config.maxBatchSize == 64 && config.dynamicBatching.maxQueueDelayMicroseconds == 100)
                #expect(config.instanceGroup.map(\.kind) == [.cpu])
                // The configuration's tensors are the graph's, batch dimension left out.
                let graph = try Onnx_ModelProto(serializedBytes: try Files.read("\(folder)/1/model.onnx")).graph
                #expect(config.input.map(\.name) == names(graph.input))
                #expect(config.output.map(\.name) == names(graph.output))
                for (tensor, value) in zip(config.input.map { ($0.dataType, $0.dims) }
                    + config.output.map { ($0.dataType, $0.dims) }, graph.input + graph.output) {
                    #expect([-1] + tensor.1 == shape(value))
                    #expect((tensor.0 == .typeUint8 ? 2 : 1) == value.type.tensorType.elemType)
                }
            }
            let encodeText = try Files.read("\(directory)/fashion.encode/config.pbtxt")
            let encode = try Inference_ModelConfig(textFormatString: String(decoding: encodeText, as: UTF8.self))
            #expect(encode.input.map(\.name) == ["images"] && encode.input[0].dims == [6, 5])
            #expect(encode.output.map(\.name) == (kind == .vae ? ["mu", "logvar", "z"] : ["mu", "z"]))
        }
    }

    @Test(arguments: ["", ".hidden", "a/b", "with space", "ü"])
    func badModelNamesAreRefused(name: String) throws {
        try withTemporaryDirectory { directory in
            let file = try model(.vae)
            let error = #expect(throws: ExportError.self) {
                try ModelExporter().writeTritonRepository(file, to: directory, triton: .init(name: name))
            }
            #expect(error?.code == .invalidName)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
        }
    }

    @Test func f16RefusesWeightsBeyondItsRange() throws {
        let source = try model(.ae)
        var tensors = source.tensors.map(\.named)
        tensors[0].values[0] = 70000
        let file = try VAEZReader.read(bytes: try VAEZWriter.serialize(metadata: source.metadata, tensors: tensors))
        let error = #expect(throws: ExportError.self) {
            try ONNXExport.model(file, .init(part: .encoder, weights: .f16))
        }
        #expect(error?.code == .unsupportedModel && error?.message.contains("encoder.0.weight") == true)
        #expect(throws: Never.self) { try ONNXExport.model(file, .init(part: .encoder)) }
    }

    @Test func otherActivationsAreRefused() throws {
        let file = try model(.vae, activation: "tanh")
        let error = #expect(throws: ExportError.self) { try ONNXExport.model(file, .init(part: .encoder)) }
        #expect(error?.code == .unsupportedModel && error?.message.contains("tanh") == true)
    }
}
