import VAECore
import VAEData
import VAEFiles

/// How to read new data for a trained model (`vae embed MODEL DATA`): as the model's training data was read.
package struct ItemReadingOptions: Sendable, Equatable {
    /// Every image is converted to these channels, 1 or 3 (as `--channels` does).
    package var channels: Int
    /// The model's image size.
    package var size: DataSource.Size
    /// Whether images of another size are resampled to `size` (the model was trained with `--resize`); without it
    /// they are refused, as the trainer refuses them.
    package var resamples: Bool
    /// The CSV column holding the class labels; used when the file has that column, else the rows are unlabelled.
    package var labelColumn: String?

    package init(channels: Int, size: DataSource.Size, resamples: Bool = false, labelColumn: String? = nil) {
        precondition(channels == 1 || channels == 3, "1 or 3 channels")
        self.channels = channels
        self.size = size
        self.resamples = resamples
        self.labelColumn = labelColumn
    }
}

/// Every item of the user's data, in the data's order and neither split nor standardised: what a trained model
/// encodes as new data.
package struct DataItems: Sendable {
    /// Every item, named: an image by its path inside the folder, a CSV row by its line in the file, an array's
    /// item by its index in that array. A table's values are the file's.
    package var dataset: Dataset
    /// Where the data's own test part begins (a `test/` folder's images, an .npz's `x_test`); nil when it has none.
    package var testStart: Int?
    /// The labels' names (class folders, a CSV label column's values), label i being `classNames[i]`; nil when the
    /// labels are plain numbers (arrays) or there are none.
    package var classNames: [String]?
    /// A CSV table's feature columns, in the file's order.
    package var featureNames: [String]?
    package var format: DataSource.Format
    /// What the reader decided that the user should hear about (files skipped).
    package var notes: [String]
}

extension DataImport {
    /// Reads every item of `path` (`format(of:)` says how): images converted and sized as `options` say, tables and
    /// labels as `load` reads them, but no split is drawn and nothing is standardised.
    ///
    /// - Throws: `DataError` naming the file (and row and column, or array entry) and the problem, or an image
    ///   whose size is not the model's when the model does not resample.
    package static func everyItem(_ path: String, options: ItemReadingOptions) throws(DataError) -> DataItems {
        switch try format(of: path, argument: "DATA") {
        case .imageFolder: try ImageFolderReader.everyItem(path, options: options)
        case .npy: try ArrayFileReader.everyItem(path, format: .npy)
        case .npz: try ArrayFileReader.everyItem(path, format: .npz)
        case .csv: try CSVReader.everyItem(path, labelColumn: options.labelColumn)
        }
    }
}

extension ImageFolderReader {
    /// The folder's images, then its `test/` folder's, laid out and read as `load` reads them.
    static func everyItem(_ folder: String, options: ItemReadingOptions) throws(DataError) -> DataItems {
        let main = try list(folder, prefix: "", classes: nil)
        var test: Listing?
        if let testFolder = main.testFolder { test = try list(testFolder, prefix: "test/", classes: main.classNames) }
        let all = main.items + (test?.items ?? [])
        guard !all.isEmpty else {
            throw DataError(
                .emptySelection,
                "\(folder): no PNG or JPEG images (put them in the folder, or in one subfolder per class)")
        }
        let reading = DataImportOptions(channels: options.channels, resize: options.resamples ? options.size : nil)
        let (size, channels) = try inspect(all, folder: folder, options: reading, modelSize: options.size)
        try checkValueCount(all.count * size.height * size.width * channels, source: folder)
        return DataItems(
            dataset: try decode(all, size: size, channels: channels), testStart: test.map { _ in main.items.count },
            classNames: main.classNames, format: .imageFolder,
            notes: skippedNote(main.skipped + (test?.skipped ?? [])).map { [$0] } ?? [])
    }
}

extension ArrayFileReader {
    /// The file's data array, then its `x_test` when it has one; labels when it has them.
    static func everyItem(_ path: String, format: DataSource.Format) throws(DataError) -> DataItems {
        let (train, test, _) = try parts(path, format: format)
        func indexed(_ data: Dataset) -> Dataset {
            Dataset(
                shape: data.shape, layout: data.layout, values: data.values, count: data.count, labels: data.labels,
                itemNames: (0..<data.count).map(String.init))
        }
        let all = test.map { indexed(train).appending(indexed($0)) } ?? indexed(train)
        return DataItems(
            dataset: all, testStart: test.map { _ in train.count }, format: format, notes: [])
    }
}

extension CSVReader {
    /// Every row of the table; labelled when it has `labelColumn`.
    static func everyItem(_ path: String, labelColumn: String?) throws(DataError) -> DataItems {
        let bytes = try readFile(path)
        var records = CSVRecords(bytes: bytes, path: path)
        let columns = try records.next()?.cells.map(\.trimmingSpaces) ?? []
        let table = try parse(bytes, path: path, labelColumn: labelColumn.flatMap { columns.contains($0) ? $0 : nil })
        return DataItems(
            dataset: table.data, classNames: table.classNames, featureNames: table.features, format: .csv, notes: [])
    }
}
