import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2Posix
import Logging
import Testing
import VAEGRPCProto
import VAEGRPCTransport
import VAEModel
import VAEServing
import VAETestSupport
import VAETransportSupport

/// The server on a real HTTP/2 listener (port 0) with a tiny VAE named `vae`, and the address it bound.
func withListeningServer(maxMessageBytes: Int = 64 << 20, maxConnections: Int = 1024,
                         _ body: (GRPCInferenceServer, ListenAddress, ServingEngine) async throws -> Void) async throws {
    let vae = try ServedModel(name: "vae", path: writeTinyModelFile("vae", kind: .vae))
    let engine = ServingEngine(models: [vae], limits: ServingLimits(maxBatch: 8),
                               batching: BatchingConfiguration(window: .zero, threads: 2))
    let running = Task(executorPreference: QueueTaskExecutor()) { try await engine.run() }
    defer { running.cancel() }
    let server = GRPCInferenceServer(
        configuration: GRPCServerConfiguration(address: ListenAddress(host: "127.0.0.1", port: 0),
                                               maxConnections: maxConnections, maxMessageBytes: maxMessageBytes),
        engine: engine, token: nil, logger: Logger(label: "test"))
    let serving = Task { try await server.run() }
    defer { serving.cancel() }
    var address = server.listeningAddress
    for _ in 0..<500 where address == nil {
        try await Task.sleep(for: .milliseconds(10))
        address = server.listeningAddress
    }
    let bound = try #require(address)
    try await body(server, bound, engine)
}

/// A client of `address` over HTTP/2 (plaintext).
func withHTTP2Client(_ address: ListenAddress,
                     _ body: (Inference_GRPCInferenceService.Client<HTTP2ClientTransport.Posix>) async throws -> Void)
    async throws
{
    let transport = try HTTP2ClientTransport.Posix(target: .ipv4(address: address.host, port: address.port),
                                                   transportSecurity: .plaintext)
    try await withGRPCClient(transport: transport) { client in
        try await body(Inference_GRPCInferenceService.Client(wrapping: client))
    }
}

@Suite("V2 gRPC on HTTP/2: listening, message limits, bind failures")
struct GRPCInferenceServerTests {
    @Test func servesOverHTTP2AndCountsConnections() async throws {
        try await withListeningServer { _, address, engine in
            #expect(address.port > 0)
            try await withHTTP2Client(address) { client in
                #expect(try await client.serverLive(Inference_ServerLiveRequest()).live)
                let answer = try await client.modelInfer(
                    inferRequest("vae.encode", [("images", "UINT8", [2, 4, 3])], raw: [Data(twoImages)]))
                #expect(answer.rawOutputContents.map(\.count) == [16, 16, 16])
                #expect(engine.statisticsSnapshot().connections == 1)
            }
        }
    }

    @Test func connectionsBeyondTheLimitAreClosed() async throws {
        try await withListeningServer(maxConnections: 1) { _, address, engine in
            try await withHTTP2Client(address) { first in
                #expect(try await first.serverLive(Inference_ServerLiveRequest()).live)
                try await withHTTP2Client(address) { second in
                    let refused = await rpcError { _ = try await second.serverLive(Inference_ServerLiveRequest()) }
                    #expect(refused?.code == .unavailable)
                }
                let again = try await first.serverLive(Inference_ServerLiveRequest())
                #expect(again.live, "the first connection is untouched")
            }
            let snapshot = engine.statisticsSnapshot()
            #expect(snapshot.refusedConnections >= 1)
        }
    }

    @Test func aMessageOverTheLimitIsResourceExhausted() async throws {
        try await withListeningServer(maxMessageBytes: 40_000) { _, address, engine in
            try await withHTTP2Client(address) { client in
                // Under the limit, over two HTTP/2 frames (16 KiB each): read whole, then refused by the model.
                let rows = inferRequest("vae.encode", [("images", "UINT8", [2000, 4, 3])], raw: [Data(count: 24_000)])
                let tooManyRows = await rpcError { _ = try await client.modelInfer(rows) }
                #expect(tooManyRows?.code == .invalidArgument && tooManyRows?.message.contains("max_batch_size") == true)
                let big = inferRequest("vae.encode", [("images", "UINT8", [4000, 4, 3])], raw: [Data(count: 48_000)])
                let refused = await rpcError { _ = try await client.modelInfer(big) }
                #expect(refused?.code == .resourceExhausted && refused?.message.contains("--max-request-bytes") == true)
                #expect(engine.statisticsSnapshot().errors["too_large"] == 2)
                // The connection and the server carry on.
                let ready = try await client.serverReady(Inference_ServerReadyRequest())
                #expect(ready.ready)
            }
        }
    }

    @Test func aTakenAddressIsAListenErrorNamingTheFlag() async throws {
        try await withListeningServer { _, address, engine in
            let second = GRPCInferenceServer(configuration: GRPCServerConfiguration(address: address), engine: engine,
                                             token: nil, logger: Logger(label: "test"))
            await #expect {
                try await second.run()
            } throws: { error in
                let text = "\(error)"
                return error is ListenError && text.contains("--grpc") && text.contains("\(address)")
                    && text.contains("in use")
            }
            let nowhere = GRPCInferenceServer(
                configuration: GRPCServerConfiguration(address: ListenAddress(host: "no-such-host.invalid", port: 0)),
                engine: engine, token: nil, logger: Logger(label: "test"))
            await #expect(throws: ListenError.self) { try await nowhere.run() }
        }
    }
}
