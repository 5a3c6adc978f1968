/// The tensor datatypes of the Open Inference Protocol (KServe V2), by their wire names.
///
/// All of them, so a request naming one this server does not take for a tensor is refused by name rather than as
/// unreadable.
package enum TensorDatatype: String, Sendable, CaseIterable {
    case bool = "BOOL"
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    case fp16 = "FP16", bf16 = "BF16", fp32 = "FP32", fp64 = "FP64"
    case bytes = "BYTES"

    /// Bytes per element in raw (binary) form; nil for BYTES, whose elements carry their own lengths.
    package var elementSize: Int? {
        switch self {
        case .bool, .uint8, .int8: 1
        case .uint16, .int16, .fp16, .bf16: 2
        case .uint32, .int32, .fp32: 4
        case .uint64, .int64, .fp64: 8
        case .bytes: nil
        }
    }

    /// Triton's model-configuration name (`TYPE_FP32`).
    package var configName: String { "TYPE_" + (self == .bytes ? "STRING" : rawValue) }

    package var isInteger: Bool {
        switch self {
        case .uint8, .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64: true
        default: false
        }
    }

    package var isFloatingPoint: Bool { self == .fp16 || self == .bf16 || self == .fp32 || self == .fp64 }
}
