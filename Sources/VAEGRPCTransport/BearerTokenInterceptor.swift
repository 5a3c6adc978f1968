import GRPCCore
import VAEOpenInference
import VAEServing
import VAETransportSupport

/// Refuses an RPC without the metadata `authorization: Bearer <token>` (UNAUTHENTICATED) before it reaches the
/// service.
///
/// An interceptor rather than a check in each method: the service's methods see only a `ServerContext`, which
/// holds no metadata, and grpc-swift 2 documents interceptors as the place for authentication. The server applies
/// it to every method but the health probes (`ConditionalInterceptor`'s `allExcluding`), so no method can forget
/// it, and without a token there is no interceptor at all, so nothing is spent on it per RPC.
struct BearerTokenInterceptor: ServerInterceptor {
    let token: BearerToken
    let statistics: ServingStatistics

    func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>, context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let offered = request.metadata[stringValues: "authorization"].first { _ in true }
        guard token.admits(authorization: offered) else {
            // Counted as REST counts it: no method, `unauthorized`.
            statistics.messageArrived()
            statistics.answered([RequestRecord(errorType: InferenceError.Kind.unauthorized.rawValue)], microseconds: 0, transport: .grpc)
            throw RPCError(InferenceError(.unauthorized, "This server needs the metadata 'authorization: Bearer "
                                          + "<token>' (the token in vaed's --auth-token-file)."))
        }
        return try await next(request, context)
    }
}
