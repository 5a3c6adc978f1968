import Testing
import VAECore
import VAEData
import VAEDataImport
import VAEFiles
import VAETestSupport

/// `DataImport.everyItem`: the user's data read whole for a trained model, with no split and no statistics.
@Suite("Every item of new data")
struct DataItemsTests {
    let grey4x3 = ItemReadingOptions(channels: 1, size: .init(height: 4, width: 3))

    func itemsError(_ path: String, _ options: ItemReadingOptions) -> DataError? {
        dataError { () throws(DataError) in _ = try DataImport.everyItem(path, options: options) }
    }

    @Test func aFolderAndItsTestFolderInOrderWithTheirClasses() throws {
        let folder = temporaryDirectory()
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 10), to: "\(folder)/cats/a.png")
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 30), to: "\(folder)/dogs/c.png")
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 40), to: "\(folder)/test/cats/e.png")
        try DataFiles.write("notes", to: "\(folder)/cats/README.txt")
        let items = try DataImport.everyItem(folder, options: grey4x3)
        #expect(items.dataset.itemNames == ["cats/a.png", "dogs/c.png", "test/cats/e.png"])
        #expect(items.dataset.labels == [0, 1, 0] && items.classNames == ["cats", "dogs"])
        #expect(items.testStart == 2 && items.format == .imageFolder)
        #expect(items.dataset.floatValues(0..<1) == (0..<12).map { Float(10 + $0) / 255 })
        #expect(items.notes.count == 1 && items.notes[0].contains("README.txt"))
        let plain = temporaryDirectory() + "/plain"
        try DataFiles.png(DataFiles.image(width: 3, height: 4, value: 1), to: "\(plain)/x.png")
        let unlabelled = try DataImport.everyItem(plain, options: grey4x3)
        #expect(unlabelled.dataset.labels == nil && unlabelled.testStart == nil && unlabelled.classNames == nil)
    }

    @Test func imagesTakeTheModelsChannelsAndSizeOrAreRefused() throws {
        let folder = temporaryDirectory()
        try DataFiles.png(DataFiles.image(width: 3, height: 4, channels: 3, value: 0), to: "\(folder)/rgb.png")
        try DataFiles.png(DataFiles.image(width: 6, height: 8, value: 0), to: "\(folder)/big.png")
        let error = itemsError(folder, grey4x3)
        #expect(error?.code == .sizeMismatch)
        #expect(
            error?.message.contains("\(folder)/big.png is 8×6 but the model takes 4×3 images") == true,
            "\(error?.message ?? "no error")")
        let resampled = try DataImport.everyItem(
            folder, options: .init(channels: 3, size: .init(height: 4, width: 3), resamples: true))
        #expect(resampled.dataset.shape == ImageShape(height: 4, width: 3, channels: 3) && resampled.dataset.count == 2)
    }

    @Test func csvRowsAreReadAsTheyAreWithTheLabelColumnWhenPresent() throws {
        let folder = temporaryDirectory()
        try DataFiles.write("a,kind,b\n1,x,10\n2,y,20\n3,x,30\n", to: "\(folder)/t.csv")
        let items = try DataImport.everyItem(
            "\(folder)/t.csv", options: .init(channels: 1, size: .init(height: 1, width: 2), labelColumn: "kind"))
        #expect(items.dataset.floatValues == [1, 10, 2, 20, 3, 30], "not standardised")
        #expect(
            items.featureNames == ["a", "b"] && items.classNames == ["x", "y"] && items.dataset.labels == [0, 1, 0])
        #expect(items.dataset.itemNames == ["2", "3", "4"] && items.testStart == nil)
        try DataFiles.write("a,b\n1,10\n", to: "\(folder)/u.csv")
        let unlabelled = try DataImport.everyItem(
            "\(folder)/u.csv", options: .init(channels: 1, size: .init(height: 1, width: 2), labelColumn: "kind"))
        #expect(unlabelled.dataset.labels == nil && unlabelled.featureNames == ["a", "b"])
        try DataFiles.write("a,b\n1,10\n2,ten\n", to: "\(folder)/bad.csv")
        #expect(
            itemsError("\(folder)/bad.csv", grey4x3)?.message
                == "\(folder)/bad.csv: row 3, column b: 'ten' is not a finite number")
    }

    @Test func anNPZsTrainingAndTestArraysFollowOneAnother() throws {
        let folder = temporaryDirectory()
        let x = DataFiles.npy(descr: "|u1", shape: [3, 4, 3], data: Array(0..<36))
        let xTest = DataFiles.npy(descr: "|u1", shape: [2, 4, 3], data: Array(100..<124))
        let y = DataFiles.npy(descr: "<i8", shape: [3], data: DataFiles.littleEndian([Int64(2), 0, 1]))
        let yTest = DataFiles.npy(descr: "<i8", shape: [2], data: DataFiles.littleEndian([Int64(1), 1]))
        try ArrayFileTests.writeNPZ(
            [("x_train.npy", x), ("y_train.npy", y), ("x_test.npy", xTest), ("y_test.npy", yTest)],
            to: "\(folder)/d.npz")
        let items = try DataImport.everyItem("\(folder)/d.npz", options: grey4x3)
        #expect(items.dataset.count == 5 && items.testStart == 3 && items.classNames == nil)
        #expect(items.dataset.labels == [2, 0, 1, 1, 1] && items.dataset.itemNames == ["0", "1", "2", "0", "1"])
        #expect(items.dataset.floatValues(3..<4) == (100..<112).map { Float($0) / 255 })
        let other = "\(folder)/notes.txt"
        try DataFiles.write("x", to: other)
        #expect(itemsError(other, grey4x3)?.message.contains("DATA takes a folder of images") == true)
    }

    @Test func standardisingUsesTheGivenStatisticsAndAppendingKeepsNamesAndLabels() {
        let table = Dataset(
            shape: ImageShape(height: 1, width: 2, channels: 1), layout: .table, values: .floats([1, 10, 3, 30]),
            count: 2, labels: [0, 1], itemNames: ["2", "3"])
        let standard = FeatureNormalisation(mean: [1, 20], standardDeviation: [2, 10]).standardised(table)
        #expect(
            standard.floatValues == [0, -1, 1, 1] && standard.itemNames == ["2", "3"] && standard.labels == [0, 1])
        let both = table.appending(standard)
        #expect(both.count == 4 && both.labels == [0, 1, 0, 1] && both.itemNames == ["2", "3", "2", "3"])
        let bytes = Dataset(shape: ImageShape(height: 1, width: 2), images: [0, 255], labels: [0])
        #expect(bytes.appending(bytes).values == .unitBytes([0, 255, 0, 255]), "bytes stay bytes")
    }
}
