/// The per-feature standardisation of a table, x' = (x − mean) / standardDeviation, computed on the training split
/// and applied to both splits; a model trained on it needs the same numbers to read new rows.
package struct FeatureNormalisation: Sendable, Equatable {
    package var mean: [Float]
    /// Population standard deviations; 1 for a constant feature (which then only loses its mean).
    package var standardDeviation: [Float]
    /// The features' names (CSV column names), when known.
    package var featureNames: [String]?

    package init(mean: [Float], standardDeviation: [Float], featureNames: [String]? = nil) {
        precondition(mean.count == standardDeviation.count, "one mean and one deviation per feature")
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.featureNames = featureNames
    }

    /// `data` standardised, (x − mean) / standardDeviation per value of an item (a table's features), in Float:
    /// the one place this formula is applied to a dataset, so the trainer's rows and new rows read for a trained
    /// model agree to the bit.
    ///
    /// - Precondition: `data`'s items have `mean.count` values.
    package func standardised(_ data: Dataset) -> Dataset {
        let d = mean.count
        precondition(data.shape.pixelCount == d, "items of \(d) values")
        var x = data.floatValues
        for i in 0..<x.count { x[i] = (x[i] - mean[i % d]) / standardDeviation[i % d] }
        return Dataset(
            shape: data.shape, layout: data.layout, values: .floats(x), count: data.count, labels: data.labels,
            itemNames: data.itemNames)
    }

    /// Standardised values back in the data's units, mean + standardDeviation · x per value (a model's decoded
    /// rows, row after row).
    package func destandardised(_ values: [Float]) -> [Float] {
        let d = mean.count
        return values.indices.map { i in mean[i % d] + standardDeviation[i % d] * values[i] }
    }
}
