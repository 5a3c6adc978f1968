/// The shape contract (Formats/vaez.md section 8): which tensors a model of an architecture has, their shapes, and
/// the order writers emit them in.
///
/// Names are resolved by pattern rather than by listing the whole contract, so a file is checked in time
/// proportional to its (limited) tensor count however many hidden layers its metadata claims.
struct ShapeContract {
    let isVAE: Bool
    let inputSize: UInt64
    let hidden: [UInt64]
    let zDim: UInt64

    init(_ architecture: ModelMetadata.ArchitectureInfo) {
        isVAE = architecture.kind == .vae
        // The metadata check bounds every size and D by 2^31−1, so none of this can overflow.
        inputSize = UInt64(architecture.input.height * architecture.input.width * architecture.input.channels)
        hidden = architecture.hidden.map(UInt64.init)
        zDim = UInt64(architecture.zDim)
    }

    /// How many tensors the contract has.
    var count: Int { 2 * hidden.count + (isVAE ? 4 : 2) + 2 * (hidden.count + 1) }

    /// The `position`-th tensor in contract order: layer by layer, weight before bias.
    func tensor(at position: Int) -> (name: String, shape: [UInt64]) {
        let layer = position / 2
        let isWeight = position % 2 == 0
        let heads = isVAE ? 2 : 1
        let name: String
        if layer < hidden.count {
            name = "encoder.\(layer)"
        } else if layer < hidden.count + heads {
            name = layer == hidden.count ? "mu" : "logvar"
        } else {
            name = "decoder.\(layer - hidden.count - heads)"
        }
        let full = name + (isWeight ? ".weight" : ".bias")
        return (full, shape(of: full)!)
    }

    /// The contract's shape for `name`, or nil when the contract has no such tensor.
    ///
    /// Works on the UTF-8 bytes: names match byte for byte, as in the spec, not by Swift's canonical equivalence.
    func shape(of name: String) -> [UInt64]? {
        let parts = Array(name.utf8).split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        func `is`(_ part: ArraySlice<UInt8>, _ word: String) -> Bool { part.elementsEqual(word.utf8) }
        let isWeight: Bool
        if `is`(parts.last!, "weight") {
            isWeight = true
        } else if `is`(parts.last!, "bias") {
            isWeight = false
        } else {
            return nil
        }
        func layer(_ rows: UInt64, _ columns: UInt64) -> [UInt64] { isWeight ? [rows, columns] : [rows] }
        let last = hidden.last ?? inputSize
        if parts.count == 2 {
            if `is`(parts[0], "mu") { return layer(zDim, last) }
            if `is`(parts[0], "logvar") && isVAE { return layer(zDim, last) }
            return nil
        }
        guard let index = canonicalIndex(parts[1]) else { return nil }
        if `is`(parts[0], "encoder") {
            guard index < hidden.count else { return nil }
            return layer(hidden[index], index == 0 ? inputSize : hidden[index - 1])
        }
        if `is`(parts[0], "decoder") {
            // Sizes z, h(n−1), …, h0, D; decoder.j maps s_j to s_{j+1}.
            let sizes = [zDim] + hidden.reversed() + [inputSize]
            guard index < sizes.count - 1 else { return nil }
            return layer(sizes[index + 1], sizes[index])
        }
        return nil
    }

    /// Step 16: every tensor of the file is in the contract with its shape (index order), then none is missing.
    func check(_ tensors: [(name: String, dims: [UInt64])]) throws(VAEZError) {
        let kind = isVAE ? "vae" : "ae"
        for tensor in tensors {
            guard let expected = shape(of: tensor.name) else {
                throw VAEZError(
                    .shapeContract,
                    "\(tensor.name): unexpected tensor \(tensor.dims) for a \(kind) of this architecture")
            }
            guard expected == tensor.dims else {
                throw VAEZError(.shapeContract, "\(tensor.name): expected shape \(expected), found \(tensor.dims)")
            }
        }
        // Every file tensor is in the contract and names are unique, so equal counts mean nothing is missing; else
        // the first missing name comes within the first tensors.count + 1 positions.
        guard tensors.count != count else { return }
        let present = Set(tensors.map { Array($0.name.utf8) })
        for position in 0..<count {
            let (name, shape) = tensor(at: position)
            if !present.contains(Array(name.utf8)) {
                throw VAEZError(.shapeContract, "\(name): missing, expected shape \(shape)")
            }
        }
    }

    /// Decimal digits as Python's f"{i}" writes them: no sign, no leading zeros (so "01" is not layer 1).
    private func canonicalIndex(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty, digits.count <= 10,
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            digits.count == 1 || digits.first != UInt8(ascii: "0")
        else { return nil }
        return digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }
}
