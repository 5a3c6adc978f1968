import Foundation
import VAECore
import VAEData
import VAEDataImport
import VAEFormat

/// New data read for a trained model (`vae embed MODEL DATA`): every item in the model's input units, with what an
/// embedding reports about each one.
package struct NewItems: Sendable {
    /// Every item, ready for the network: images read as the model's training images were, table rows standardised
    /// with the normalisation the model records (never statistics of the new data).
    package let dataset: Dataset
    /// Each item's name: its path inside the folder, its line in a CSV file, its index in its array.
    package let names: [String]
    /// Each item's part of the data: `train` or `test` when the data has a test part of its own (a `test/`
    /// folder, an .npz's `x_test`), else `-`.
    package let parts: [String]
    /// Each item's label among the model's classes; nil when unlabelled or of a class the model does not know.
    package let labels: [Int?]
    /// Each item's class name: the data's own (its folder, its label cell), or the model's for an array's numeric
    /// label; empty when unlabelled.
    package let classNames: [String]
    /// What the reader decided that the user should hear about (files skipped).
    package let notes: [String]
}

extension StudiedModel {
    /// Every item of the data at `path` (a folder of images, an .npy, .npz or .csv file), the first `limit`,
    /// read for this model: images converted to its channels and, when it was trained with `--resize`, resampled
    /// to its size (else they must have its size); a table's columns must be the ones it records, and its rows are
    /// standardised with its normalisation. Class names are matched to the model's by name.
    ///
    /// - Parameter dataset: the dataset of a model that records none, for its class names.
    /// - Throws: `AnalysisError` naming the file and the problem (a size, a column, a cell, the kind of data).
    package func newItems(at path: String, dataset: DatasetKind? = nil, limit: Int? = nil) throws(AnalysisError)
        -> NewItems
    {
        if let limit, limit < 1 { throw AnalysisError("--limit must be at least 1 (got \(limit))") }
        // Checked before reading: a table model would otherwise refuse the images by their size.
        let takesTable = metadata.dataDescription.kind == .table
        let format = try? DataImport.format(of: path)
        if takesTable, format == .imageFolder {
            throw AnalysisError(
                "\(path) is a folder of images but the model takes \(describe(architecture.input, table: true))")
        }
        // And an image model would refuse a table's label column as a cell that is not a number.
        if !takesTable, format == .csv {
            throw AnalysisError(
                "\(path) is a .csv table but the model takes \(describe(architecture.input, table: false))")
        }
        let options = try itemReadingOptions()
        let read: DataItems
        do {
            read = try DataImport.everyItem(path, options: options)
        } catch {
            throw AnalysisError(error.description)
        }
        var items = read.dataset
        if let limit { items = items.prefix(limit) }
        try checkFits(items, features: read.featureNames, path: path)
        if let normalisation { items = normalisation.standardised(items) }
        let (labels, classes) = modelLabels(of: items, dataClasses: read.classNames, dataset: dataset)
        var notes = read.notes
        if let unknown = unknownClassesNote(labels: labels, classes: classes) { notes.append(unknown) }
        return NewItems(
            dataset: items, names: items.itemNames ?? (0..<items.count).map(String.init),
            parts: (0..<items.count).map { i in read.testStart.map { i < $0 ? "train" : "test" } ?? "-" },
            labels: labels, classNames: classes, notes: notes)
    }

    /// The model's input and how its training images were read (the channels and `--resize` it records).
    private func itemReadingOptions() throws(AnalysisError) -> ItemReadingOptions {
        let input = architecture.input
        guard input.channels == 1 || input.channels == 3 else {
            throw AnalysisError("the model takes \(input.channels) values per pixel; new data is read as grey or RGB")
        }
        let source = metadata.training.dataset.source
        return ItemReadingOptions(
            channels: input.channels, size: DataSource.Size(height: input.height, width: input.width),
            resamples: source?.resize != nil, labelColumn: source?.labelColumn)
    }

    /// Checks that `items` are what the network takes: images or table rows, of its shape, a CSV with its columns.
    private func checkFits(_ items: Dataset, features: [String]?, path: String) throws(AnalysisError) {
        if let features, let recorded = metadata.data?.features, features != recorded {
            let aside = metadata.training.dataset.source?.labelColumn.map { " (the label column '\($0)' aside)" } ?? ""
            let difference: String
            if let i = zip(features, recorded).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset {
                difference = "column \(i + 1) is '\(features[i])', but the model takes '\(recorded[i])' there"
            } else {
                difference = "it has \(features.count) columns, but the model takes \(recorded.count)"
            }
            throw AnalysisError(
                "\(path): \(difference)\(aside); the model's columns, in order: \(listed(recorded))")
        }
        let takesTable = metadata.dataDescription.kind == .table
        guard (items.layout == .table) == takesTable, items.shape == architecture.input else {
            let takes = describe(architecture.input, table: takesTable)
            throw AnalysisError(
                "\(path) holds \(describe(items.shape, table: items.layout == .table)) but the model takes \(takes)")
        }
    }

    private func describe(_ shape: ImageShape, table: Bool) -> String {
        table ? "table rows of \(shape.width) features" : "\(shape.height)×\(shape.width)×\(shape.channels) images"
    }

    private func listed(_ names: [String]) -> String {
        names.prefix(20).joined(separator: ", ") + (names.count > 20 ? ", … (\(names.count) columns)" : "")
    }

    /// Each item's label among the model's classes (by name when the data names its classes, else the number) and
    /// its class name.
    /// A class name matches a folder's name when they are equal, or when the folder spells a `/` (which no folder
    /// name can hold) as `_` or `-`: Fashion-MNIST's "T-shirt/top" as `T-shirt_top`.
    static func folderName(_ className: String, matches name: String) -> Bool {
        className == name || ["_", "-"].contains { className.replacingOccurrences(of: "/", with: $0) == name }
    }

    /// "12 items in classes the model does not know (Shirts 10, Socks 2): their label is empty", or nil.
    private func unknownClassesNote(labels: [Int?], classes: [String]) -> String? {
        var counts: [String: Int] = [:]
        for (label, name) in zip(labels, classes) where label == nil && !name.isEmpty { counts[name, default: 0] += 1 }
        guard !counts.isEmpty else { return nil }
        let listed = counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let total = counts.values.reduce(0, +)
        return "\(total) item\(total == 1 ? "" : "s") in classes the model does not know (\(listed)): the label is empty"
    }

    private func modelLabels(of items: Dataset, dataClasses: [String]?, dataset: DatasetKind?)
        -> (labels: [Int?], classes: [String])
    {
        guard let labels = items.labels else {
            return ([Int?](repeating: nil, count: items.count), [String](repeating: "", count: items.count))
        }
        let known = knownClassNames(dataset: dataset)
        if let dataClasses {
            let names = labels.map { dataClasses[Int($0)] }
            return (names.map { name in known?.firstIndex { Self.folderName($0, matches: name) } }, names)
        }
        let numbers = labels.map { Int($0) }
        return (numbers, numbers.map { label in known.map { label < $0.count ? $0[label] : "" } ?? "" })
    }
}
