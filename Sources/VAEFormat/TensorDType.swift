/// How a tensor's values are stored (Formats/vaez.md section 7.1); readers always hand back float32.
public enum TensorDType: UInt8, Sendable, Hashable, CaseIterable, Codable, CustomStringConvertible {
    /// IEEE binary32: exact.
    case f32 = 1
    /// IEEE binary16, round to nearest even.
    case f16 = 2
    /// bfloat16: the high half of a binary32, round to nearest even.
    case bf16 = 3
    /// Symmetric per-row int8 with one binary32 scale per row (rows = first dimension).
    case int8 = 4

    /// The spec's name: `f32`, `f16`, `bf16` or `int8`.
    public var description: String {
        switch self {
        case .f32: "f32"
        case .f16: "f16"
        case .bf16: "bf16"
        case .int8: "int8"
        }
    }

    /// The dtype called `name` (`"f32"`, `"f16"`, `"bf16"`, `"int8"`).
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = match
    }

    /// Bytes per stored element for the float types, which is also their shuffle width; nil for int8.
    var elementSize: Int? {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .int8: nil
        }
    }

    /// The raw byte size of a tensor with these dims (section 7.1), or nil when it does not fit in 64 bits.
    ///
    /// Every factor is at least 1, so a product that overflows at any step would also exceed 2^64−1 exactly.
    func rawLength(dims: [UInt64]) -> UInt64? {
        var count: UInt64 = 1
        for dim in dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dim)
            if overflow { return nil }
            count = product
        }
        switch self {
        case .int8:
            // The values, then one binary32 scale per row.
            let (scales, overflow) = dims[0].multipliedReportingOverflow(by: 4)
            if overflow { return nil }
            let (total, overflow2) = count.addingReportingOverflow(scales)
            return overflow2 ? nil : total
        default:
            let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(elementSize!))
            return overflow ? nil : total
        }
    }
}
