import Dispatch

/// The last phase of a read: the footer SHA-256 (step 7) and, for each tensor, step 13 and dequantisation.
///
/// These are independent jobs, so on large files they share both cores (`concurrentPerform`), biggest first. Each
/// job writes only its own result slot; the caller then reports the first failure in the spec's order, so the
/// answer is the same as one thread working through the steps in order.
enum TensorJobs {
    struct Outcome {
        var digests: Result<FileDigests, VAEZError>
        /// In index order.
        var tensors: [Result<[Float], VAEZError>]
    }

    static func run(
        file: UnsafeRawBufferPointer, records: [TensorIndex.Record], limit: UInt64, parallel: Bool
    ) -> Outcome {
        let reader = SectionReader(file: file)
        let digestSlot = UnsafeMutablePointer<Result<FileDigests, VAEZError>>.allocate(capacity: 1)
        let tensorSlots = UnsafeMutablePointer<Result<[Float], VAEZError>>.allocate(capacity: records.count)
        defer {
            digestSlot.deallocate()
            tensorSlots.deallocate()
        }
        // Longest jobs first keeps the two threads evenly loaded; the SHA-256 covers the whole file, so it leads.
        let order = records.indices.sorted { records[$0].section.storedLength > records[$1].section.storedLength }
        let work = Shared(
            digestSlot: digestSlot, tensorSlots: tensorSlots, reader: reader, records: records, order: order,
            limit: limit)
        if parallel {
            DispatchQueue.concurrentPerform(iterations: records.count + 1) { job in work.run(job) }
        } else {
            for job in 0...records.count { work.run(job) }
        }
        let tensors = (0..<records.count).map { (tensorSlots + $0).move() }
        return Outcome(digests: digestSlot.move(), tensors: tensors)
    }

    /// What every job needs. Shared across threads for one `run` call: each job initialises only its own slot and
    /// only reads the rest, and `concurrentPerform` returns after every job has finished.
    private struct Shared: @unchecked Sendable {
        let digestSlot: UnsafeMutablePointer<Result<FileDigests, VAEZError>>
        let tensorSlots: UnsafeMutablePointer<Result<[Float], VAEZError>>
        let reader: SectionReader
        let records: [TensorIndex.Record]
        let order: [Int]
        let limit: UInt64

        func run(_ job: Int) {
            guard job > 0 else {
                digestSlot.initialize(to: EnvelopeCheck.checkSHA256(reader.file))
                return
            }
            let index = order[job - 1]
            let record = records[index]
            let count = record.dims.reduce(1) { $0 * Int($1) }  // bounded by the shape contract and the limits
            let result = Result { () throws(VAEZError) in
                try reader.withDecodedBytes(of: record.section, limit: limit) { section in
                    Dequantise.values(section, dtype: record.dtype, count: count, rows: Int(record.dims[0]))
                }
            }
            (tensorSlots + index).initialize(to: result)
        }
    }
}
