import VAEClient
import VAEJSON
import VAEProtocol

/// A connection to the daemon for one command, with what the command asks of it first.
struct Session {
    let connection: DaemonConnection

    init(_ options: ConnectionOptions) throws {
        connection = try DaemonConnection(
            path: SocketPath.resolve(explicit: options.socket), timeoutSeconds: options.timeout)
    }

    func call(_ method: RPCMethod, _ params: JSONValue? = nil) throws -> JSONValue {
        try connection.call(method, params: params)
    }

    func hello() throws -> ServerHello {
        try ServerHello(result: call(.hello), path: connection.path)
    }

    /// `images` fitted to the model they will run on, and the most images a request may carry.
    /// - Throws: `Failure` (usage) when the model is a table model; `InputError` for an image of another size.
    func fit(_ images: [InputImage], model name: String?, resize: Bool) throws
        -> (model: ModelDescription, images: [InputImage], maxBatch: Int)
    {
        let described = try model(name)
        if described.isTable {
            throw Failure(.usage, "model '\(described.name)' is a table model; give it CSV files (FILE.csv)")
        }
        let conformed = try ImageFiles.conform(
            images, height: described.height, width: described.width, channels: described.channels,
            model: described.name, resize: resize)
        return (described, conformed, try hello().maxBatch)
    }

    /// The model a request will run on, as the daemon would pick it: the named one, or the only one loaded.
    /// - Throws: `Failure` with the daemon-error status when no such model is loaded or a name is needed.
    func model(_ name: String?) throws -> ModelDescription {
        let models = try ModelDescription.list(result: call(.models), path: connection.path)
        let names = models.map(\.name).joined(separator: ", ")
        if let name {
            guard let model = models.first(where: { $0.name == name }) else {
                throw Failure(
                    .daemonError, "no model named '\(name)' is loaded (loaded: \(names.isEmpty ? "none" : names))")
            }
            return model
        }
        guard models.count == 1 else {
            throw Failure(
                .daemonError,
                models.isEmpty
                    ? "the daemon serves no models"
                    : "several models are loaded (\(names)); name one with --model")
        }
        return models[0]
    }
}
