/// A problem with an input file or value, with a message that names what is wrong and where.
public struct DataError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        case fileNotFound
        case unreadable
        case badMagic
        case truncated
        case sizeMismatch
        case unsupported
        case badCompression
        case badImage
        case emptySelection
        case unwritable
        case invalidValue
        /// Past a documented size limit (a decompression bomb, an image larger than allowed).
        case tooLarge
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
