/// An input the client cannot use (a missing or unreadable file, an image of the wrong size, a bad option value),
/// with one sentence that names it. Found before anything is sent to the daemon.
public struct InputError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
