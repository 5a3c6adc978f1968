import VAECore
import VAEImage
import VAENumerics

/// The learned manifold: decodes of a grid over two latent dimensions, the others held fixed.
///
/// The grid's quantiles are Φ⁻¹(linspace(0.05, 0.95, steps)), as in Kingma & Welling's figure: equal steps of
/// probability under the prior. For a VAE the chosen dimensions take those values and the others 0 (the prior's
/// mean). An AE has no prior, so its dimensions are placed by the latent statistics its file records: the chosen
/// ones at mean + std·Φ⁻¹(p), the others at their mean. Positive values of the vertical dimension are at the top.
package struct ManifoldFigure: Sendable {
    package let horizontal: Int
    package let vertical: Int
    package let steps: Int
    /// The horizontal dimension's value in each column, left to right.
    package let columnValues: [Float]
    /// The vertical dimension's value in each row, top to bottom (largest first).
    package let rowValues: [Float]
    /// The value every dimension takes when it is not swept.
    package let base: [Float]
    let caption: String
    let shape: ImageShape
    let isVariational: Bool

    /// - Throws: `AnalysisError` when the dimensions are not two distinct indices below z_dim or `steps` < 2.
    package init(model: StudiedModel, dimensions: [Int], steps: Int) throws(AnalysisError) {
        try Self.check(dimensions: dimensions, zDim: model.zDim)
        guard (2...200).contains(steps) else { throw AnalysisError("--steps must be from 2 to 200 (got \(steps))") }
        let quantiles = linearSpace(from: 0.05, to: 0.95, count: steps).map { Float(normalQuantile($0)) }
        let (h, v) = (dimensions[0], dimensions[1])
        horizontal = h
        vertical = v
        self.steps = steps
        if model.isVariational {
            base = [Float](repeating: 0, count: model.zDim)
            columnValues = quantiles
            rowValues = quantiles.reversed()
        } else {
            let mean = model.latentMean, std = model.latentStandardDeviation
            base = mean
            columnValues = quantiles.map { mean[h] + std[h] * $0 }
            rowValues = quantiles.reversed().map { mean[v] + std[v] * $0 }
        }
        caption = model.caption
        isVariational = model.isVariational
        shape = model.architecture.input
    }

    /// Checks that `dimensions` names two distinct latent dimensions.
    package static func check(dimensions: [Int], zDim: Int) throws(AnalysisError) {
        guard dimensions.count == 2 else {
            throw AnalysisError("--dims takes two latent dimensions, like 0,1 (got \(dimensions.count))")
        }
        guard zDim >= 2 else { throw AnalysisError("the model has z_dim = \(zDim); a 2-D figure needs at least 2 latent dimensions") }
        for d in dimensions where !(0..<zDim).contains(d) {
            throw AnalysisError("--dims: dimension \(d) does not exist; the model has z_dim = \(zDim) (dimensions 0 to \(zDim - 1))")
        }
        guard dimensions[0] != dimensions[1] else { throw AnalysisError("--dims needs two different dimensions (got \(dimensions[0]) twice)") }
    }

    /// Every grid point's code, row by row from the top.
    package var codes: [Float] {
        var z: [Float] = []
        z.reserveCapacity(steps * steps * base.count)
        for row in 0..<steps {
            for column in 0..<steps {
                var point = base
                point[horizontal] = columnValues[column]
                point[vertical] = rowValues[row]
                z += point
            }
        }
        return z
    }

    /// A table model's grid: the decoded rows in the data's units, keyed by their point, row by row from the top.
    package func rows(_ inference: Inference, of model: StudiedModel) -> DecodedRows {
        var table = DecodedRows(keyColumns: ["z\(horizontal)", "z\(vertical)"], features: model.featureNames)
        table.append(model.inDataUnits(inference.decode(codes))) { i in
            [columnValues[i % steps].description, rowValues[i / steps].description]
        }
        return table
    }

    /// The decoded grid (no padding, like the trainer's manifold image) with its labels.
    package func render(_ inference: Inference) -> LabelledImage {
        let pixels = ImageGrid(shape: shape, columns: steps, padding: 0).render(inference.decode(codes))
        var figure = LabelledImage(image: pixels)
        figure.scale = steps <= 12 ? 2 : 1
        figure.title = "Learned manifold: \(caption)"
        let grid = "linspace(0.05, 0.95, \(steps))"
        if isVariational {
            figure.subtitle = "z\(horizontal), z\(vertical) = Φ⁻¹(\(grid))" + (base.count > 2 ? "; other dimensions 0" : "")
        } else {
            figure.subtitle = "z\(horizontal), z\(vertical) = mean + std·Φ⁻¹(\(grid)) over the training codes"
                + (base.count > 2 ? "; others at their mean" : "")
        }
        figure.xLabel = "z\(horizontal)"
        figure.yLabel = "z\(vertical) (positive up)"
        let cellWidth = Double(shape.width), cellHeight = Double(shape.height)
        figure.columnTicks = LabelledImage.thinned(count: steps, cellSize: cellWidth, labelWidth: 36).map {
            .init(position: (Double($0) + 0.5) * cellWidth, label: SVGText.label(Double(columnValues[$0]), significant: 2))
        }
        figure.rowTicks = LabelledImage.thinned(count: steps, cellSize: cellHeight, labelWidth: 16).map {
            .init(position: (Double($0) + 0.5) * cellHeight, label: SVGText.label(Double(rowValues[$0]), significant: 2))
        }
        return figure
    }
}
