/// The tensor index section (Formats/vaez.md section 6.2) and step 14 of validation (section 11.4).
///
/// ```
/// u32 tensor_count, then per tensor: u16 name_length, name, u8 dtype, u8 rank, u32 section_id, rank × u64 dims
/// ```
enum TensorIndex {
    /// One index entry after every check of step 14.
    struct Record {
        var name: String
        var dtype: TensorDType
        var dims: [UInt64]
        var section: SectionEntry
    }

    /// An entry as parsed, before its fields are checked.
    private struct RawEntry {
        var name: ArraySlice<UInt8>
        var dtype: UInt8
        var sectionID: UInt32
        var dims: [UInt64]
    }

    /// Step 14: parses `raw` and checks every tensor against the section table and the limits.
    static func parse(_ raw: [UInt8], sections: [SectionEntry], limits: VAEZLimits) throws(VAEZError) -> [Record] {
        let entries = try parseStructure(raw)
        guard UInt64(entries.count) <= limits.maxTensors else {
            throw VAEZError(
                .tooManyTensors, "the index lists \(entries.count) tensors; the limit is \(limits.maxTensors)")
        }
        var byID: [UInt32: SectionEntry] = [:]
        for section in sections { byID[section.id] = section }
        var records: [Record] = []
        var names = Set<ArraySlice<UInt8>>()
        var referenced = Set<UInt32>()
        for (i, entry) in entries.enumerated() {
            records.append(try check(entry, number: i, byID: byID, names: names, referenced: referenced))
            names.insert(entry.name)
            referenced.insert(entry.sectionID)
        }
        for section in sections where section.kind == .tensorData && !referenced.contains(section.id) {
            throw VAEZError(.unknownSectionRef, "tensor_data section id \(section.id) is not referenced by any tensor")
        }
        var total: UInt64 = 0
        for record in records {
            let (sum, overflow) = total.addingReportingOverflow(record.section.rawLength)
            guard !overflow, sum <= limits.maxTensorBytes else {
                throw VAEZError(
                    .limitExceeded,
                    "the tensors' raw bytes add up to more than the limit of \(limits.maxTensorBytes)")
            }
            total = sum
        }
        return records
    }

    /// Step 14a: exactly `tensor_count` entries and nothing after them.
    private static func parseStructure(_ raw: [UInt8]) throws(VAEZError) -> [RawEntry] {
        var cursor = Cursor(raw: raw)
        let count = try cursor.read(UInt32.self)
        var entries: [RawEntry] = []
        // Bounded by the data: every entry takes at least 8 bytes, and running out stops the loop.
        for _ in 0..<count {
            let nameLength = Int(try cursor.read(UInt16.self))
            let name = try cursor.take(nameLength)
            let dtype = try cursor.read(UInt8.self)
            let rank = Int(try cursor.read(UInt8.self))
            let sectionID = try cursor.read(UInt32.self)
            var dims: [UInt64] = []
            for _ in 0..<rank { dims.append(try cursor.read(UInt64.self)) }
            entries.append(RawEntry(name: name, dtype: dtype, sectionID: sectionID, dims: dims))
        }
        guard cursor.position == raw.count else {
            throw VAEZError(
                .tensorIndexInvalid,
                "\(raw.count - cursor.position) bytes follow the last of the \(count) tensor entries")
        }
        return entries
    }

    /// Step 14c for one tensor, in the spec's order.
    private static func check(
        _ entry: RawEntry, number i: Int, byID: [UInt32: SectionEntry], names: Set<ArraySlice<UInt8>>,
        referenced: Set<UInt32>
    ) throws(VAEZError) -> Record {
        guard (1...255).contains(entry.name.count) else {
            throw VAEZError(.badTensorName, "tensor #\(i): name length \(entry.name.count) is not in 1…255")
        }
        guard StrictUTF8.isValid(entry.name) else {
            throw VAEZError(.badTensorName, "tensor #\(i): the name is not valid UTF-8")
        }
        let name = String(decoding: entry.name, as: UTF8.self)
        // Compared byte for byte, as the spec says (Swift's String equality would merge canonically equal names).
        guard !names.contains(entry.name) else {
            throw VAEZError(.duplicateTensorName, "tensor #\(i): the name \"\(name)\" is used by an earlier tensor")
        }
        guard let dtype = TensorDType(rawValue: entry.dtype) else {
            throw VAEZError(.unknownDType, "tensor \(name): dtype \(entry.dtype) is not 1…4 (f32, f16, bf16, int8)")
        }
        guard (1...4).contains(entry.dims.count) else {
            throw VAEZError(.badRank, "tensor \(name): rank \(entry.dims.count) is not in 1…4")
        }
        guard !entry.dims.contains(0) else {
            throw VAEZError(.badDims, "tensor \(name): dims \(entry.dims) contain 0")
        }
        guard let section = byID[entry.sectionID], section.kind == .tensorData else {
            throw VAEZError(
                .unknownSectionRef, "tensor \(name): section id \(entry.sectionID) is not a tensor_data section")
        }
        guard !referenced.contains(entry.sectionID) else {
            throw VAEZError(
                .unknownSectionRef,
                "tensor \(name): section id \(entry.sectionID) is already used by another tensor")
        }
        guard let size = dtype.rawLength(dims: entry.dims), size == section.rawLength else {
            let needs = dtype.rawLength(dims: entry.dims).map { "\($0) bytes" } ?? "more than 2^64−1 bytes"
            throw VAEZError(
                .tensorSizeMismatch,
                "tensor \(name): \(dtype) \(entry.dims) needs \(needs), its section has \(section.rawLength)")
        }
        return Record(name: name, dtype: dtype, dims: entry.dims, section: section)
    }

    /// The index bytes for `tensors` (the writer's side).
    static func pack(_ tensors: [(name: String, dtype: TensorDType, dims: [Int], sectionID: UInt32)]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendLittleEndian(UInt32(tensors.count))
        for tensor in tensors {
            let name = Array(tensor.name.utf8)
            out.appendLittleEndian(UInt16(name.count))
            out.append(contentsOf: name)
            out.append(tensor.dtype.rawValue)
            out.append(UInt8(tensor.dims.count))
            out.appendLittleEndian(tensor.sectionID)
            for dim in tensor.dims { out.appendLittleEndian(UInt64(dim)) }
        }
        return out
    }

    /// Little-endian reads over the index; running out is `tensor_index_invalid`.
    private struct Cursor {
        let raw: [UInt8]
        var position = 0

        mutating func take(_ count: Int) throws(VAEZError) -> ArraySlice<UInt8> {
            guard raw.count - position >= count else {
                throw VAEZError(
                    .tensorIndexInvalid,
                    "the index is truncated: \(count) bytes needed at offset \(position) of \(raw.count)")
            }
            defer { position += count }
            return raw[position..<(position + count)]
        }

        mutating func read<T: FixedWidthInteger>(_: T.Type) throws(VAEZError) -> T {
            let bytes = try take(MemoryLayout<T>.size)
            var value: T = 0
            for (shift, byte) in bytes.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * shift) }
            return value
        }
    }
}
