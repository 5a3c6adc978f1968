/// Why a model could not be exported, with a message naming what is wrong.
///
/// A struct around a code that can grow (as NIOFS's `FileSystemError`), so a new code breaks no caller's `switch`.
package struct ExportError: Error, CustomStringConvertible, Sendable, Equatable {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Value: String, Hashable, Sendable {
            case unsupportedModel = "unsupported_model"
            case outputExists = "output_exists"
            case invalidName = "invalid_name"
            case unwritable
        }

        private let value: Value
        private init(_ value: Value) { self.value = value }

        /// The model cannot be written with standard ONNX operators (another activation, a layout that does not fit).
        package static let unsupportedModel = Code(.unsupportedModel)
        /// A file or folder the export would write is already there (and overwriting was not asked for).
        package static let outputExists = Code(.outputExists)
        /// A model name that cannot be a Triton model folder.
        package static let invalidName = Code(.invalidName)
        /// A file or folder could not be written.
        package static let unwritable = Code(.unwritable)

        package var description: String { value.rawValue }
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { message }
}
