import Testing
import VAECore
import VAEData
import VAEDataImport
import VAEFiles
import VAETestSupport

@Suite("CSV tables")
struct CSVTests {
    func write(_ text: String, name: String = "t.csv") throws -> String {
        let path = "\(temporaryDirectory())/\(name)"
        try DataFiles.write(text, to: path)
        return path
    }

    @Test func labelledTableWithQuotingAndClassNames() throws {
        let path = try write(
            """
            "width","height",species\r
            1.5,2,"setosa"\r
            2.5,4,virginica\r
            3.5,6,"set""osa"\r
            4.5,8,setosa\r

            """)
        let split = try DataImport.load(path, options: .init(testFraction: 0.25, labelColumn: "species", seed: 2))
        #expect(split.classNames == ["set\"osa", "setosa", "virginica"])
        #expect(split.train.count == 3 && split.test.count == 1)
        #expect(split.train.shape == ImageShape(height: 1, width: 2, channels: 1) && split.train.layout == .table)
        let n = try #require(split.normalisation)
        #expect(n.featureNames == ["width", "height"])
        #expect(split.source?.labelColumn == "species" && split.source?.format == .csv)
        // Item names are the rows' line numbers; labels follow the rows.
        let byLine: [String: UInt8] = ["2": 1, "3": 2, "4": 0, "5": 1]
        let names = split.train.itemNames! + split.test.itemNames!
        let labels = split.train.labels! + split.test.labels!
        #expect(Set(names) == Set(byLine.keys))
        for (name, label) in zip(names, labels) { #expect(byLine[name] == label) }
        // Standardised with the training rows' statistics: the test row too.
        let raw: [String: [Float]] = ["2": [1.5, 2], "3": [2.5, 4], "4": [3.5, 6], "5": [4.5, 8]]
        let testRow = raw[split.test.itemNames![0]]!
        let expected = (0..<2).map { (testRow[$0] - n.mean[$0]) / n.standardDeviation[$0] }
        #expect(zip(split.test.floatValues, expected).allSatisfy { abs($0 - $1) < 1e-6 })
    }

    @Test func numericLabelsSortAsNumbersAndUnlabelledTables() throws {
        let path = try write("a,b,class\n1,2,10\n3,4,9\n5,6,10\n7,8,2\n")
        let split = try DataImport.load(path, options: .init(testFraction: 0.25, labelColumn: "class"))
        #expect(split.classNames == ["2", "9", "10"])
        let unlabelled = try DataImport.load(path, options: .init(testFraction: 0.25))
        #expect(unlabelled.train.shape.width == 3 && unlabelled.train.labels == nil && unlabelled.classNames == nil)
    }

    @Test func textAndMissingCellsNameRowAndColumn() throws {
        let text = try write("a,b\n1,2\n3,abc\n5,6\n")
        // With no --label-column, a column of words is most likely the labels: the message says how to name it.
        #expect(
            loadError(text)?.message
                == "\(text): row 3, column b: 'abc' is not a finite number; if column b holds class labels, add --label-column b")
        for missing in ["", "NA", "NaN", "nan", "null"] {
            let path = try write("a,b\n1,2\n3,4\n\(missing),6\n")
            let error = loadError(path)
            #expect(error?.message.contains("\(path): row 4, column a: missing value") == true, "\(missing)")
        }
        // A quoted cell spanning lines: the next row's number counts the lines.
        let multiline = try write("a,label\n1,\"x\ny\"\n2,z\nq,z\n")
        #expect(loadError(multiline, .init(labelColumn: "label"))?.message.contains("row 5, column a") == true)
    }

    @Test func shapeProblemsAreRefused() throws {
        let ragged = try write("a,b\n1,2\n3\n")
        #expect(loadError(ragged)?.message == "\(ragged): row 3 has 1 cell but the header has 2 columns")
        let onlyLabel = try write("label\nx\ny\n")
        #expect(loadError(onlyLabel, .init(labelColumn: "label"))?.message.contains("no feature columns") == true)
        let noColumn = try write("a,b\n1,2\n")
        #expect(
            loadError(noColumn, .init(labelColumn: "c"))?.message.contains("no column 'c' for --label-column") == true)
        let empty = try write("")
        #expect(loadError(empty)?.code == .emptySelection)
        let headerOnly = try write("a,b\n")
        #expect(loadError(headerOnly)?.message.contains("no rows after the header") == true)
        let unclosed = try write("a,b\n1,\"2\n")
        #expect(loadError(unclosed)?.message.contains("row 2, column 2: a quoted cell is not closed") == true)
        let duplicate = try write("a,a\n1,2\n")
        #expect(loadError(duplicate)?.message.contains("columns 1 and 2 are both named 'a'") == true)
        let tooFew = try write("a\n1\n")
        #expect(loadError(tooFew)?.code == .emptySelection, "one row cannot be split into two parts")
    }

    @Test func optionsThatDoNotApplyAreRefused() throws {
        let path = try write("a,b\n1,2\n3,4\n")
        #expect(loadError(path, .init(channels: 3))?.message.contains("--channels is for folders of images") == true)
        #expect(
            loadError(path, .init(resize: .init(height: 2, width: 2)))?.message.contains("--resize is for folders")
                == true)
        #expect(
            loadError(path, .init(testFraction: 1))?.message.contains("--test-fraction must be between 0 and 1") == true
        )
    }
}
