import VAEModel

/// Glue between `.vaez` files and the in-memory `Network`.
extension Network {
    /// A network with the architecture and weights of a file that has been read.
    /// - Parameter trainable: false when the network only runs forward passes (no gradient buffer).
    ///
    /// - Throws: `ArchitectureError` when the network cannot run this architecture (e.g. another activation);
    ///   `VAEZError` (`shape_contract`) when the tensors disagree with the network's layout.
    package static func load(_ file: VAEZFile, trainable: Bool = true) throws -> Network {
        let network = try Network(architecture: file.metadata.architecture.modelArchitecture, trainable: trainable)
        try network.loadParameters(from: file)
        // A trained Gaussian decoder is scored at the variance it records, not refitted to what it is shown.
        if let variance = file.metadata.data?.variance { network.decoderVariance = .fixed(Float(variance)) }
        return network
    }

    /// Replaces every parameter with the file's (dequantised) values.
    ///
    /// The file's tensors must be exactly this network's, by name and shape, as its `ParameterLayout` lists them;
    /// nothing is changed when they are not.
    /// - Throws: `shape_contract`, naming the first tensor that is unexpected, has another shape, or is missing.
    package func loadParameters(from file: VAEZFile) throws(VAEZError) {
        var expected: [String: TensorSpec] = [:]
        for spec in layout.tensors { expected[spec.name] = spec }
        var targets: [(TensorSpec, VAEZFile.Tensor)] = []
        for tensor in file.tensors {
            guard let spec = expected[tensor.name], tensor.name.utf8.elementsEqual(spec.name.utf8) else {
                throw VAEZError(.shapeContract, "\(tensor.name): unexpected tensor for this network")
            }
            guard spec.shape == tensor.shape else {
                throw VAEZError(
                    .shapeContract, "\(tensor.name): the network has shape \(spec.shape), the file \(tensor.shape)")
            }
            targets.append((spec, tensor))
        }
        let present = Set(file.tensors.map(\.name))
        if let missing = layout.tensors.first(where: { !present.contains($0.name) }) {
            throw VAEZError(.shapeContract, "\(missing.name): missing, the network needs shape \(missing.shape)")
        }
        for (spec, tensor) in targets { setValues(tensor.values, of: spec) }
    }

    /// The network's tensors in contract order (Formats/vaez.md section 8), ready for `VAEZWriter`.
    package func contractTensors() -> [NamedTensor] {
        let contract = ShapeContract(ModelMetadata.ArchitectureInfo(architecture))
        return (0..<contract.count).map { position in
            let spec = tensor(named: contract.tensor(at: position).name)!
            return NamedTensor(name: spec.name, shape: spec.shape, values: values(of: spec))
        }
    }
}
