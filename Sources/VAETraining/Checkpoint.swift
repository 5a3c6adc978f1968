import Foundation
import VAEData
import VAENumerics

/// The trainer's own restart file: configuration, progress, RNG state, parameters and Adam's moments.
///
/// Written atomically after every epoch, so a run killed at any moment resumes from the last finished epoch and
/// ends with the same weights as an uninterrupted run. Internal to the trainer (the shipping format is .vaez).
/// Layout: magic "VAECKPT\n", u32 version, u32 header length, header JSON, then parameters, first and second
/// moments as little-endian f32, then a CRC-32 of everything before it.
struct Checkpoint {
    static let magic = Array("VAECKPT\n".utf8)
    static let version: UInt32 = 1
    static let fileName = "checkpoint.vaeckpt"

    struct Header: Codable {
        var configuration: TrainingConfiguration
        var epochsCompleted: Int
        var random: RandomSource
        var adamStep: Int
        var parameterCount: Int
    }

    var header: Header
    var parameters: [Float]
    var firstMoment: [Float]
    var secondMoment: [Float]

    func serialized() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try [UInt8](encoder.encode(header))
        var out = Self.magic
        appendLittleEndian(Self.version, to: &out)
        appendLittleEndian(UInt32(json.count), to: &out)
        out += json
        for values in [parameters, firstMoment, secondMoment] {
            values.withUnsafeBytes { out.append(contentsOf: $0) }
        }
        appendLittleEndian(CRC32.checksum(out), to: &out)
        return out
    }

    init(header: Header, parameters: [Float], firstMoment: [Float], secondMoment: [Float]) {
        self.header = header
        self.parameters = parameters
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    init(parsing bytes: [UInt8], source: String) throws(TrainingError) {
        func corrupt(_ why: String) -> TrainingError { TrainingError("\(source): not a usable checkpoint: \(why)") }
        guard bytes.count >= 20, Array(bytes[0..<8]) == Self.magic else { throw corrupt("bad magic") }
        let stored = readLittleEndian(bytes, at: bytes.count - 4)
        let computed = bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }
        guard stored == computed else { throw corrupt("checksum mismatch (the file is damaged)") }
        guard readLittleEndian(bytes, at: 8) == Self.version else { throw corrupt("unsupported version") }
        let jsonLength = Int(readLittleEndian(bytes, at: 12))
        guard 16 + jsonLength <= bytes.count - 4 else { throw corrupt("header runs past the end") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + jsonLength)]))
        } catch {
            throw corrupt("header is not valid (\(error))")
        }
        let n = header.parameterCount
        let body = 16 + jsonLength
        guard n >= 0, bytes.count - 4 - body == 3 * n * 4 else { throw corrupt("parameter block has the wrong size") }
        func floats(_ index: Int) -> [Float] {
            let start = body + index * n * 4
            return [Float](unsafeUninitializedCapacity: n) { buffer, count in
                bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[start..<(start + n * 4)])) }
                count = n
            }
        }
        self.init(header: header, parameters: floats(0), firstMoment: floats(1), secondMoment: floats(2))
    }
}

private func appendLittleEndian(_ value: UInt32, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

private func readLittleEndian(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    (0..<4).reduce(0) { $0 | UInt32(bytes[offset + $1]) << (8 * $1) }
}
