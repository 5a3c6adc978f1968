/// A problem with what an analysis was asked to do (a bad dimension, a missing dataset), with a message for the
/// user.
package struct AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    package let description: String

    package init(_ description: String) { self.description = description }
}
