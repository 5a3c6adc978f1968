import ArgumentParser
import Foundation
import VAEData
import VAEFormat

/// Reading and writing model files for the commands, with user-facing errors.
enum ModelFiles {
    /// Reads and fully verifies a .vaez file; a directory means its `model.vaez` (a training run's output).
    static func read(_ path: String) throws -> VAEZFile {
        var path = path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            let model = "\(path)/model.vaez"
            guard FileManager.default.fileExists(atPath: model) else {
                throw userError("\(path) has no model.vaez (did its training finish? continue it with: vae train --resume --out \(path))")
            }
            path = model
        }
        do {
            return try VAEZReader.read(path: path)
        } catch let error as VAEZError {
            throw userError("\(path): \(error)")
        } catch {
            throw userError("\(error)")
        }
    }

    static func dtype(_ name: String) throws -> TensorDType {
        guard let dtype = TensorDType(name: name) else {
            throw ValidationError("--dtype must be f32, f16, bf16 or int8 (got '\(name)')")
        }
        return dtype
    }
}
