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
}
