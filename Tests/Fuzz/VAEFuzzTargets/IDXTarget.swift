import VAEData
import VAEFiles

extension FuzzTarget {
    /// The most a gzip stream may inflate to here: the malloc limit Tools/fuzz sets proves the bound holds.
    static let maximumInflatedBytes = 16 << 20

    /// IDX datasets, plain or gzip (zlib on untrusted bytes): a parsed array serialises back to the same bytes.
    static let idx = FuzzTarget(name: "FuzzIDX", summary: "IDX arrays, plain and gzip (zlib)") { data in
        var properties = Properties()
        var bytes = data.array
        if Gzip.isCompressed(bytes) {
            do {
                bytes = try Gzip.decompress(bytes, source: "fuzz.gz", maximumBytes: maximumInflatedBytes)
            } catch {
                properties.expect(bytes.count <= maximumInflatedBytes, "inflated past the limit")
                return properties.outcome
            }
            properties.expect(bytes.count <= maximumInflatedBytes, "inflated \(bytes.count) bytes, past the limit")
        }
        guard let array = try? IDXArray(parsing: bytes, source: "fuzz") else { return properties.outcome }
        properties.accepted = true
        properties.expect(array.values.count == array.dimensions.reduce(1, *), "values do not match the dimensions")
        properties.expect(array.serialized() == bytes, "parse → serialise changed the bytes")
        return properties.outcome
    }
}
