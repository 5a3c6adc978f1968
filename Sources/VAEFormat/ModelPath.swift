#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import VAEFiles

extension VAEZReader {
    /// The model file a training run writes into its output folder.
    static let runFolderModelName = "model.vaez"

    /// The file to read for `path`: a training run's folder means its `model.vaez`; anything else is itself.
    ///
    /// Every command that reads a model takes either, so `vae inspect runs/x`, `vae verify runs/x` and
    /// `vaed --model x=runs/x` agree.
    package static func modelPath(_ path: String) -> String {
        guard Files.isDirectory(path) else { return path }
        var folder = path
        while folder.count > 1 && folder.hasSuffix("/") { folder.removeLast() }
        return folder == "/" ? "/\(runFolderModelName)" : "\(folder)/\(runFolderModelName)"
    }

    /// The name vaed serves `path` under when `--model` gives no `NAME=`, and `vae export --triton-repository`'s
    /// default `--name`: the last path component without `.vaez` (`runs/fashion` → `fashion`,
    /// `models/digits.vaez` → `digits`, `runs/fashion/model.vaez` → `model`). Trailing slashes are ignored, and
    /// `.` or `..` is the real folder's name (`.` in `runs/fashion` → `fashion`). Empty when there is no name
    /// (`/`).
    package static func servedName(_ path: String) -> String {
        var last = path.split(separator: "/").last.map(String.init) ?? ""
        if last == "." || last == "..", let resolved = realpath(path, nil) {
            last = String(cString: resolved).split(separator: "/").last.map(String.init) ?? ""
            free(resolved)
        }
        return last.hasSuffix(".vaez") ? String(last.dropLast(5)) : last
    }
}
