import GRPCCore
import VAEGRPCProto
import VAEOpenInference
import VAEServing
import VAETransportSupport

/// Triton's `inference.GRPCInferenceService` over the engine (Formats/open-inference.md §5): health, metadata,
/// configuration and `ModelInfer`; every other RPC answers `UNIMPLEMENTED`. Free of the network, so the tests
/// serve it over grpc-swift's in-process transport.
///
/// Each RPC is counted in the engine's statistics as the REST router counts its requests: `health` for the
/// probes, `models` for metadata and configuration, the V2 method (`encode`, …) for inference.
package struct InferenceService: Inference_GRPCInferenceService.SimpleServiceProtocol {
    package let engine: ServingEngine
    let models: InferenceModels

    package init(engine: ServingEngine) {
        self.engine = engine
        models = InferenceModels(engine: engine)
    }

    /// The interceptors to serve this service with: with a token, every RPC but the health probes needs it.
    package func interceptors(token: BearerToken?) -> [ConditionalInterceptor<any ServerInterceptor>] {
        guard let token else { return [] }
        let probes: Set<MethodDescriptor> = [
            Inference_GRPCInferenceService.Method.ServerLive.descriptor,
            Inference_GRPCInferenceService.Method.ServerReady.descriptor,
        ]
        let guardian = BearerTokenInterceptor(token: token, statistics: engine.statistics)
        return [.apply(guardian, to: .allExcluding(services: [], methods: probes))]
    }

    // MARK: Health and metadata

    package func serverLive(request: Inference_ServerLiveRequest, context: ServerContext) async throws
        -> Inference_ServerLiveResponse
    {
        try counted(RequestRecord(method: "health")) { _ throws(InferenceError) in
            var response = Inference_ServerLiveResponse()
            response.live = true
            return response
        }
    }

    package func serverReady(request: Inference_ServerReadyRequest, context: ServerContext) async throws
        -> Inference_ServerReadyResponse
    {
        try counted(RequestRecord(method: "health")) { _ throws(InferenceError) in
            var response = Inference_ServerReadyResponse()
            response.ready = engine.isReady
            return response
        }
    }

    package func modelReady(request: Inference_ModelReadyRequest, context: ServerContext) async throws
        -> Inference_ModelReadyResponse
    {
        try counted(RequestRecord(method: "models")) { record throws(InferenceError) in
            _ = try model(request.name, version: request.version, record: &record)
            var response = Inference_ModelReadyResponse()
            response.ready = engine.isReady
            return response
        }
    }

    package func serverMetadata(request: Inference_ServerMetadataRequest, context: ServerContext) async throws
        -> Inference_ServerMetadataResponse
    {
        try counted(RequestRecord(method: "models")) { _ throws(InferenceError) in
            ModelDescriptions.serverMetadata(version: engine.version)
        }
    }

    package func modelMetadata(request: Inference_ModelMetadataRequest, context: ServerContext) async throws
        -> Inference_ModelMetadataResponse
    {
        try counted(RequestRecord(method: "models")) { record throws(InferenceError) in
            ModelDescriptions.modelMetadata(try model(request.name, version: request.version, record: &record))
        }
    }

    package func modelConfig(request: Inference_ModelConfigRequest, context: ServerContext) async throws
        -> Inference_ModelConfigResponse
    {
        try counted(RequestRecord(method: "models")) { record throws(InferenceError) in
            let model = try model(request.name, version: request.version, record: &record)
            return ModelDescriptions.modelConfig(model, batching: engine.batching)
        }
    }

    // MARK: Inference

    package func modelInfer(request: Inference_ModelInferRequest, context: ServerContext) async throws
        -> Inference_ModelInferResponse
    {
        let arrived = ContinuousClock.now
        let statistics = engine.statistics
        statistics.messageArrived()
        var record = RequestRecord(method: InferenceModel.split(request.modelName)?.method.rawValue)
        let prepared: PreparedInference
        do throws(InferenceError) {
            let model = try model(request.modelName, version: request.modelVersion, record: &record)
            prepared = try model.prepare(InferMessages.request(request))
        } catch {
            record.errorType = error.kind.rawValue
            statistics.answered([record], microseconds: (ContinuousClock.now - arrived).microseconds, transport: .grpc)
            throw RPCError(error)
        }
        record.rows = prepared.request.rows
        let result = await withCheckedContinuation { continuation in
            engine.submit(prepared.request, mayRunInline: true) { continuation.resume(returning: $0) }
        }
        switch result {
        case .success(let value):
            let response = InferMessages.response(prepared.response(for: value))
            statistics.answered([record], microseconds: (ContinuousClock.now - arrived).microseconds, transport: .grpc)
            return response
        case .failure(let failure):
            let error = InferenceError(failure)
            record.errorType = error.kind.rawValue
            statistics.answered([record], microseconds: (ContinuousClock.now - arrived).microseconds, transport: .grpc)
            throw RPCError(error)
        }
    }

    package func modelStreamInfer(
        request: RPCAsyncSequence<Inference_ModelInferRequest, any Error>,
        response: RPCWriter<Inference_ModelStreamInferResponse>, context: ServerContext
    ) async throws {
        let _: Void = try unimplemented("ModelStreamInfer")
    }

    // MARK: Not implemented

    package func modelStatistics(request: Inference_ModelStatisticsRequest, context: ServerContext) async throws
        -> Inference_ModelStatisticsResponse
    { try unimplemented("ModelStatistics") }

    package func repositoryIndex(request: Inference_RepositoryIndexRequest, context: ServerContext) async throws
        -> Inference_RepositoryIndexResponse
    { try unimplemented("RepositoryIndex") }

    package func repositoryModelLoad(request: Inference_RepositoryModelLoadRequest, context: ServerContext) async throws
        -> Inference_RepositoryModelLoadResponse
    { try unimplemented("RepositoryModelLoad") }

    package func repositoryModelUnload(request: Inference_RepositoryModelUnloadRequest, context: ServerContext)
        async throws -> Inference_RepositoryModelUnloadResponse
    { try unimplemented("RepositoryModelUnload") }

    package func systemSharedMemoryStatus(request: Inference_SystemSharedMemoryStatusRequest, context: ServerContext)
        async throws -> Inference_SystemSharedMemoryStatusResponse
    { try unimplemented("SystemSharedMemoryStatus") }

    package func systemSharedMemoryRegister(request: Inference_SystemSharedMemoryRegisterRequest, context: ServerContext)
        async throws -> Inference_SystemSharedMemoryRegisterResponse
    { try unimplemented("SystemSharedMemoryRegister") }

    package func systemSharedMemoryUnregister(
        request: Inference_SystemSharedMemoryUnregisterRequest, context: ServerContext
    ) async throws -> Inference_SystemSharedMemoryUnregisterResponse
    { try unimplemented("SystemSharedMemoryUnregister") }

    package func cudaSharedMemoryStatus(request: Inference_CudaSharedMemoryStatusRequest, context: ServerContext)
        async throws -> Inference_CudaSharedMemoryStatusResponse
    { try unimplemented("CudaSharedMemoryStatus") }

    package func cudaSharedMemoryRegister(request: Inference_CudaSharedMemoryRegisterRequest, context: ServerContext)
        async throws -> Inference_CudaSharedMemoryRegisterResponse
    { try unimplemented("CudaSharedMemoryRegister") }

    package func cudaSharedMemoryUnregister(request: Inference_CudaSharedMemoryUnregisterRequest, context: ServerContext)
        async throws -> Inference_CudaSharedMemoryUnregisterResponse
    { try unimplemented("CudaSharedMemoryUnregister") }

    package func traceSetting(request: Inference_TraceSettingRequest, context: ServerContext) async throws
        -> Inference_TraceSettingResponse
    { try unimplemented("TraceSetting") }

    package func logSettings(request: Inference_LogSettingsRequest, context: ServerContext) async throws
        -> Inference_LogSettingsResponse
    { try unimplemented("LogSettings") }

    // MARK: Helpers

    /// The V2 model `name` (at `version` when not empty), noted in `record` as the REST router notes it.
    private func model(_ name: String, version: String, record: inout RequestRecord) throws(InferenceError) -> InferenceModel {
        do {
            let model = try models.model(named: name, version: version)
            record.model = model.served.name
            return model
        } catch {
            record.model = InferenceModel.split(name)?.model
            throw error
        }
    }

    /// Answers a quick RPC and counts it; a refusal becomes the gRPC status of its kind.
    private func counted<Response>(_ record: RequestRecord,
                                   _ body: (inout RequestRecord) throws(InferenceError) -> Response) throws(RPCError)
        -> Response
    {
        let arrived = ContinuousClock.now
        let statistics = engine.statistics
        statistics.messageArrived()
        var record = record
        do {
            let response = try body(&record)
            statistics.answered([record], microseconds: (ContinuousClock.now - arrived).microseconds, transport: .grpc)
            return response
        } catch {
            record.errorType = error.kind.rawValue
            statistics.answered([record], microseconds: (ContinuousClock.now - arrived).microseconds, transport: .grpc)
            throw RPCError(error)
        }
    }

    /// Counted as REST counts a request for an endpoint it does not have: no method, `not_found`.
    private func unimplemented<Response>(_ rpc: String) throws(RPCError) -> Response {
        try counted(RequestRecord()) { _ throws(InferenceError) -> Response in
            throw InferenceError(.notFound, "vaed does not implement \(rpc); see Formats/open-inference.md §5.")
        }
    }
}

extension Duration {
    var microseconds: Double {
        Double(components.seconds) * 1e6 + Double(components.attoseconds) * 1e-12
    }
}
