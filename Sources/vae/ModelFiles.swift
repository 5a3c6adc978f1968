import ArgumentParser
import Foundation
import VAEFiles
import VAEFormat

/// Reading and writing model files for the commands, with user-facing errors.
enum ModelFiles {
    /// Reads and fully verifies a .vaez file; a directory means its `model.vaez` (a training run's output).
    static func read(_ path: String) throws -> VAEZFile {
        let file = try resolve(path)
        if let problem = problem(reading: file) { throw userError(problem) }
        do {
            return try VAEZReader.read(path: file)
        } catch let error as VAEZError {
            throw userError("\(file): \(error)")
        } catch {
            throw userError("\(error)")  // a DataError names the path itself
        }
    }

    /// The model file for `path` (a training folder's model.vaez).
    /// - Throws: a user error when the folder has no model.vaez, saying how to finish its training.
    static func resolve(_ path: String) throws -> String {
        guard let problem = problem(resolving: path) else { return VAEZReader.modelPath(path) }
        throw userError(problem)
    }

    /// Why the file `file` is not a model to read (an ONNX graph, by its extension), or nil.
    static func problem(reading file: String) -> String? {
        file.lowercased().hasSuffix(".onnx") ? "\(file) is an ONNX graph, not a .vaez model" : nil
    }

    /// Why `path` has no model to read (a training folder without model.vaez), or nil.
    static func problem(resolving path: String) -> String? {
        let file = VAEZReader.modelPath(path)
        guard file != path, !Files.exists(file) else { return nil }
        // Resuming needs the checkpoint a training run leaves (VAETraining's Checkpoint.fileName).
        guard Files.exists("\(path)/checkpoint.vaeckpt") else {
            return "\(path) has no model.vaez (and no training checkpoint: is it a training output folder?)"
        }
        return "\(path) has no model.vaez (did its training finish? continue it with: vae train --resume --out \(path))"
    }
}
