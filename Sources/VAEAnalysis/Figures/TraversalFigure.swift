import VAEData
import VAEImage
import VAENumerics

/// Latent traversals: one row per latent dimension, decoding mu of one test image with that dimension swept
/// across a range and the others kept. A disentangled dimension changes one attribute along its row.
///
/// A VAE's range is in the prior's units (z_j itself); an AE's in units of its training codes' spread
/// (z_j = mean_j + t·std_j), since an AE's codes have no fixed scale.
package enum TraversalFigure {
    /// - Parameters:
    ///   - dimensions: the rows; every dimension when empty.
    ///   - range: the sweep's ends.
    ///   - imageIndex: which test image's mu to start from.
    /// - Throws: `AnalysisError` for a dimension outside the model, a bad range or step count, or an image index
    ///   beyond the test set.
    package static func render(
        model: StudiedModel, test: Dataset, dimensions: [Int], range: (Double, Double), steps: Int,
        imageIndex: Int, inference: Inference
    ) throws(AnalysisError) -> LabelledImage {
        let (rows, values, codes) = try sweep(
            model: model, test: test, dimensions: dimensions, range: range, steps: steps, index: imageIndex,
            inference: inference)
        let padding = 2
        let grid = ImageGrid(shape: test.shape, columns: steps, padding: padding).render(inference.decode(codes))
        var figure = LabelledImage(image: grid)
        figure.scale = rows.count > 12 ? 1 : 2
        figure.title = "Latent traversals: \(model.caption)"
        figure.subtitle = model.isVariational
            ? "mu of test image \(imageIndex), one dimension per row set to each value"
            : "code of test image \(imageIndex), one dimension per row set to mean + t·std"
        figure.xLabel = model.isVariational ? "value of the row's dimension" : "t (training-code standard deviations)"
        let cell = Double(test.shape.width + padding)
        figure.columnTicks = LabelledImage.thinned(count: steps, cellSize: cell * figure.scale, labelWidth: 34).map {
            .init(position: Double(padding) + (Double($0) + 0.5) * cell - Double(padding) / 2, label: SVGText.label(values[$0], significant: 2))
        }
        let rowCell = Double(test.shape.height + padding)
        figure.rowTicks = rows.enumerated().map { row, d in
            .init(position: Double(padding) + (Double(row) + 0.5) * rowCell - Double(padding) / 2, label: "z\(d)")
        }
        return figure
    }

    /// A table model's traversals: the decoded rows in the data's units, keyed by the swept dimension and its value
    /// (the value in the sweep's units: z for a VAE, t for an AE), starting from test row `rowIndex`.
    ///
    /// - Throws: `AnalysisError` as `render` does.
    package static func rows(
        model: StudiedModel, test: Dataset, dimensions: [Int], range: (Double, Double), steps: Int,
        rowIndex: Int, inference: Inference
    ) throws(AnalysisError) -> DecodedRows {
        let (rows, values, codes) = try sweep(
            model: model, test: test, dimensions: dimensions, range: range, steps: steps, index: rowIndex,
            inference: inference)
        var table = DecodedRows(keyColumns: ["dimension", model.isVariational ? "z" : "t"], features: model.featureNames)
        table.append(model.inDataUnits(inference.decode(codes))) { i in
            ["z\(rows[i / steps])", values[i % steps].description]
        }
        return table
    }

    /// The swept dimensions, the sweep's values and every code to decode, row by row.
    private static func sweep(
        model: StudiedModel, test: Dataset, dimensions: [Int], range: (Double, Double), steps: Int, index: Int,
        inference: Inference
    ) throws(AnalysisError) -> (rows: [Int], values: [Double], codes: [Float]) {
        let zDim = model.zDim
        let rows = dimensions.isEmpty ? Array(0..<zDim) : dimensions
        for d in rows where !(0..<zDim).contains(d) {
            throw AnalysisError("--dim: dimension \(d) does not exist; the model has z_dim = \(zDim) (dimensions 0 to \(zDim - 1))")
        }
        guard range.0.isFinite, range.1.isFinite, range.0 < range.1 else {
            throw AnalysisError("--range takes two numbers, the lower first, like -3,3 (got \(range.0),\(range.1))")
        }
        guard (2...50).contains(steps) else { throw AnalysisError("--steps must be from 2 to 50 (got \(steps))") }
        guard (0..<test.count).contains(index) else {
            throw AnalysisError("--image \(index) is outside the test set (0 to \(test.count - 1))")
        }
        let values = linearSpace(from: range.0, to: range.1, count: steps)
        let start = inference.means(test.floatValues(index..<(index + 1)))
        let mean = model.latentMean, std = model.latentStandardDeviation
        var codes: [Float] = []
        for d in rows {
            for t in values {
                var z = start
                z[d] = model.isVariational ? Float(t) : mean[d] + std[d] * Float(t)
                codes += z
            }
        }
        return (rows, values, codes)
    }
}
