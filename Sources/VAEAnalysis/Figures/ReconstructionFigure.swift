import VAECore
import VAEData
import VAEImage

/// Test images above their reconstructions decoded from mu; with noise, three rows: the clean images, the images
/// corrupted by the trainer's noise, and the reconstructions of the corrupted images (the denoised images).
package enum ReconstructionFigure {
    /// `count` images of `test`: the first ones, or evenly spaced over the test set when `spread` (for test sets
    /// sorted by class, like the MNIST subset).
    ///
    /// - Parameters:
    ///   - noise: the corruption; nil (or a zero fraction) for plain reconstructions.
    ///   - seed: seeds the corruption (stream shared with nothing else).
    /// - Throws: `AnalysisError` when `count` is not from 1 to 100.
    package static func render(
        model: StudiedModel, test: Dataset, count: Int, spread: Bool = false, noise: NoiseCorruption?, seed: UInt64,
        inference: Inference
    ) throws(AnalysisError) -> LabelledImage {
        guard (1...100).contains(count) else { throw AnalysisError("--count must be from 1 to 100 (got \(count))") }
        let count = min(count, test.count)
        let chosen = spread ? (0..<count).map { $0 * test.count / count } : Array(0..<count)
        let clean = test.floatValues(chosen)
        var rows: [[Float]] = [clean]
        var labels = ["test image"]
        if let noise, noise.fraction > 0 {
            var random = RandomSource(seed: seed, stream: 0x5EC0)
            let corrupted = noise.applied(to: clean, random: &random)
            rows += [corrupted, inference.reconstruct(corrupted)]
            labels += ["noise p = \(SVGText.label(Double(noise.fraction)))", "denoised"]
        } else {
            rows.append(inference.reconstruct(clean))
            labels.append("reconstruction")
        }
        let padding = 2
        let image = ImageGrid(shape: test.shape, columns: count, padding: padding).render(rows.flatMap { $0 })
        var figure = LabelledImage(image: image)
        figure.scale = 2
        figure.title = "Reconstructions: \(model.caption)"
        figure.subtitle = rows.count == 3
            ? "clean, corrupted with the trainer's noise, decoded from mu of the corrupted image"
            : "test images and their reconstructions decoded from mu"
        figure.rowTicks = labels.enumerated().map { row, label in
            .init(position: Double(padding + row * (test.shape.height + padding)) + Double(test.shape.height) / 2, label: label)
        }
        return figure
    }

    /// A table model's reconstructions: `count` test rows chosen as `render` chooses them, each followed by its
    /// reconstruction decoded from mu, in the data's units, keyed by the item (its CSV line, or its index) and
    /// `input` or `reconstruction`.
    ///
    /// - Throws: `AnalysisError` when `count` is not from 1 to 100.
    package static func rows(
        model: StudiedModel, test: Dataset, count: Int, spread: Bool = false, inference: Inference
    ) throws(AnalysisError) -> DecodedRows {
        guard (1...100).contains(count) else { throw AnalysisError("--count must be from 1 to 100 (got \(count))") }
        let count = min(count, test.count)
        let chosen = spread ? (0..<count).map { $0 * test.count / count } : Array(0..<count)
        let clean = test.floatValues(chosen)
        let d = test.shape.pixelCount
        var paired: [Float] = []
        paired.reserveCapacity(2 * clean.count)
        let decoded = inference.reconstruct(clean)
        for i in 0..<count {
            paired += clean[(i * d)..<((i + 1) * d)]
            paired += decoded[(i * d)..<((i + 1) * d)]
        }
        var table = DecodedRows(keyColumns: ["item", "row"], features: model.featureNames)
        table.append(model.inDataUnits(paired)) { i in
            [test.itemNames?[chosen[i / 2]] ?? String(chosen[i / 2]), i % 2 == 0 ? "input" : "reconstruction"]
        }
        return table
    }
}
