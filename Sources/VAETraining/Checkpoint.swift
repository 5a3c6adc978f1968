import Foundation
import VAECore
import VAEFormat

/// The trainer's own restart file: configuration, progress, RNG state, parameters and Adam's moments.
///
/// Written atomically after every epoch, and mid-epoch when a run is stopped by a signal, so a run killed at any
/// moment resumes from the last checkpoint and ends with the same weights as an uninterrupted run. Internal to the
/// trainer (the shipping format is .vaez).
/// Layout: magic "VAECKPT\n", u32 version, u32 header length, header JSON, then parameters, first and second
/// moments as little-endian f32, then a CRC-32 of everything before it.
///
/// Version 2 added `epochInProgress` to the header. Version 1 files (always at an epoch's end) are still read;
/// a reader that knows only version 1 refuses version 2 files ("unsupported version") instead of resuming a
/// mid-epoch checkpoint from the wrong place.
struct Checkpoint {
    static let magic = Array("VAECKPT\n".utf8)
    static let version: UInt32 = 2
    static let readableVersions: ClosedRange<UInt32> = 1...2
    static let fileName = "checkpoint.vaeckpt"

    struct Header: Codable {
        var configuration: TrainingConfiguration
        var epochsCompleted: Int
        /// The generator's state at the checkpoint (mid-epoch: after the last finished batch).
        var random: RandomSource
        var adamStep: Int
        var parameterCount: Int
        /// Where a stopped epoch (`epochsCompleted + 1`) was left; nil at an epoch's end (and in version 1).
        var epochInProgress: EpochInProgress?
        /// A Gaussian decoder's σ² as of the last finished epoch (absent for Bernoulli and in older files).
        var decoderVariance: Float?
    }

    /// The part of an epoch done before a stop: enough to finish it exactly as an uninterrupted run would.
    struct EpochInProgress: Codable, Equatable {
        var epoch: Int
        var batchesDone: Int
        /// The summed loss of those batches (JSON keeps a Double exactly).
        var lossTotal: Double
        var seconds: Double
        /// The generator before the epoch's shuffle, which deals the same order again.
        var shuffleRandom: RandomSource
        /// Σ σ²·rows over those batches, for a Gaussian decoder's epoch variance (absent otherwise).
        var varianceTotal: Double?
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
        let version = readLittleEndian(bytes, at: 8)
        guard Self.readableVersions.contains(version) else {
            throw corrupt("unsupported version \(version) (this vae reads versions \(Self.readableVersions.lowerBound) to \(Self.readableVersions.upperBound))")
        }
        let jsonLength = Int(readLittleEndian(bytes, at: 12))
        guard 16 + jsonLength <= bytes.count - 4 else { throw corrupt("header runs past the end") }
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: Data(bytes[16..<(16 + jsonLength)]))
        } catch {
            throw corrupt("header is not valid (\(error))")
        }
        if let partial = header.epochInProgress {
            guard version >= 2, partial.epoch == header.epochsCompleted + 1, partial.batchesDone >= 0 else {
                throw corrupt("the unfinished epoch \(partial.epoch) does not follow epoch \(header.epochsCompleted)")
            }
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
