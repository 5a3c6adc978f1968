import Foundation
import VAEFiles

/// The files a training run leaves in its output folder, named where the trainer names them, so that a new run can
/// tell an earlier one is there and clear it without touching anything else in the folder.
package enum RunFolder {
    /// The files that hold a run's result ("model.vaez, checkpoint.vaeckpt", those present), or nil when `folder`
    /// holds none: a new run there would replace them.
    package static func earlierRun(in folder: String) -> String? {
        let files = [Trainer.modelFileName, Checkpoint.fileName].filter { Files.exists("\(folder)/\($0)") }
        return files.isEmpty ? nil : files.joined(separator: ", ")
    }

    /// Removes what a run writes (model, checkpoint, metrics, the epoch images) so that the folder does not mix two
    /// runs; other files stay.
    /// - Throws: `TrainingError` naming the file that could not be removed.
    package static func removeEarlierRun(in folder: String) throws(TrainingError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let results = [Trainer.modelFileName, Checkpoint.fileName, Trainer.metricsFileName]
        for name in names where results.contains(name) || EpochImages.isImage(named: name) {
            do {
                try FileManager.default.removeItem(atPath: "\(folder)/\(name)")
            } catch {
                throw TrainingError("cannot remove \(folder)/\(name) of the earlier run: \(error.localizedDescription)")
            }
        }
    }
}
