import VAEFormat
import VAEModel

extension FuzzTarget {
    /// Limits low enough that libFuzzer's malloc limit (64 MiB, Tools/fuzz) proves no input allocates past what
    /// they allow: 4 MiB of stored tensors dequantise to at most 16 MiB of floats (int8 is a quarter of f32). The
    /// spec's defaults (Formats/vaez.md §10) allow 1 GiB of tensors.
    static let fuzzLimits = VAEZLimits(maxHeaderLength: 1 << 16, maxMetadataLength: 1 << 16,
                                       maxTensorIndexLength: 1 << 16, maxTensors: 64, maxTensorBytes: 4 << 20)

    /// The .vaez reader (zstd frames, byte shuffling, dequantisation, metadata, checksums): verify and read agree,
    /// a file that reads loads as a network or is refused with a typed error, and converts to safetensors and
    /// back to the same tensors, bit for bit.
    static let vaez = FuzzTarget(name: "FuzzVAEZ", summary: ".vaez reader: verify, read, load, safetensors round trip") { data in
        var properties = Properties()
        let bytes = data.array
        let verified = Result { () throws(VAEZError) in try VAEZReader.verify(bytes: bytes, limits: fuzzLimits) }
        let file: VAEZFile
        do {
            file = try VAEZReader.read(bytes: bytes, limits: fuzzLimits)
        } catch {
            if case .success = verified { properties.fail("verify passed a file that read refused: \(error)") }
            return properties.outcome
        }
        properties.accepted = true
        if case .failure(let error) = verified { properties.fail("read took a file that verify refused: \(error)") }
        do {
            _ = try Network.load(file, trainable: false)
        } catch is VAEZError {
        } catch is ArchitectureError {
        } catch {
            properties.fail("loading a network threw an untyped error: \(error)")
        }
        do {
            let exported = try Safetensors.serialize(file)
            let imported = try Safetensors.importModel(exported, source: "export")
            properties.expect(sameTensors(file.tensors.map(\.named), imported.tensors),
                              "the tensors changed through safetensors export → import")
        } catch {
            properties.fail("a file that reads could not go through safetensors: \(error)")
        }
        return properties.outcome
    }

    /// safetensors import (the header JSON, dtypes F32/F16/BF16/F64, offsets): an imported model either breaks a
    /// rule the .vaez writer checks, or writes a .vaez that reads back to the same tensors.
    static let safetensors = FuzzTarget(name: "FuzzSafetensors", summary: "safetensors import, then .vaez write and read") { data in
        var properties = Properties()
        guard let imported = try? Safetensors.importModel(data.array, source: "fuzz") else { return properties.outcome }
        properties.accepted = true
        guard let written = try? VAEZWriter.serialize(metadata: imported.metadata, tensors: imported.tensors,
                                                      created: "2026-01-01T00:00:00Z") else { return properties.outcome }
        do {
            let file = try VAEZReader.read(bytes: written)
            // The writer puts tensors in the contract's order; match them up by name.
            let byName = Dictionary(imported.tensors.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            let read = file.tensors.map(\.named)
            properties.expect(read.count == imported.tensors.count, "\(imported.tensors.count) tensors written, \(read.count) read")
            properties.expect(sameTensors(read, read.compactMap { byName[$0.name] }),
                              "the tensors changed through .vaez write → read")
        } catch {
            properties.fail("the writer's own .vaez does not read: \(error)")
        }
        return properties.outcome
    }

    /// Same names, shapes and float bits, in order.
    static func sameTensors(_ a: [NamedTensor], _ b: [NamedTensor]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.name == y.name && x.shape == y.shape && x.values.map(\.bitPattern) == y.values.map(\.bitPattern)
        }
    }
}
