import ArgumentParser
import Foundation
import VAEAnalysis

extension VAECommand.Embed {
    /// `--split` and `--data` choose among the model's own data; with DATA there is nothing for them to choose.
    func checkNewDataOptions() throws {
        if split != nil {
            throw userError(
                "--split chooses among the model's own data; DATA is encoded whole (every item, in order): leave --split out"
            )
        }
        if input.data != nil {
            throw userError(
                "--data says where the model's own training data is now; it cannot be combined with DATA, which is encoded instead"
            )
        }
    }

    /// Every item of `path`, read for `model` and encoded.
    func newDataPart(_ path: String, model: StudiedModel) throws -> EncodedPart {
        let items = try AnalysisArguments.analysis { () throws(AnalysisError) in
            try model.newItems(at: path, dataset: input.dataset, limit: input.limit)
        }
        for note in items.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        let fields = (0..<items.names.count).map { i in
            ItemFields(
                name: items.names[i], split: items.parts[i], label: items.labels[i], className: items.classNames[i])
        }
        return EncodedPart(
            codes: EncodedSet(network: model.network, dataset: items.dataset, threads: input.threads), items: fields)
    }
}
