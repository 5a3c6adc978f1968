/// A problem with what an analysis was asked to do (a bad dimension, a missing dataset), with a message for the
/// user.
public struct AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
