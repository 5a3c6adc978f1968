import VAEModel
import VAEServing
import VAETestSupport

/// A tiny served model with random weights, written and read back through a real .vaez file.
func servedModel(_ name: String, kind: Architecture.Kind, seed: UInt64 = 1) throws -> ServedModel {
    try ServedModel(name: name, path: writeTinyModelFile(name, kind: kind, seed: seed))
}
