import Testing
import VAECore
import VAEData

@Suite("Datasets of bytes or floats, labelled or not")
struct DatasetTests {
    let shape = ImageShape(height: 1, width: 2, channels: 1)

    @Test func copyRowsConvertsBytesAndFollowsTheIndexList() {
        let data = Dataset(shape: shape, images: [0, 255, 51, 102, 204, 153], labels: [0, 1, 2])
        var out = [Float](repeating: -1, count: 6)
        out.withUnsafeMutableBufferPointer { data.copyRows([2, 0, 2], into: $0.baseAddress!) }
        #expect(out == [204, 153, 0, 255, 204, 153].map { Float($0) / 255 })
        #expect(data.floatValues(1..<3) == [51, 102, 204, 153].map { Float($0) / 255 })
        #expect(data.floatValues == [0, 255, 51, 102, 204, 153].map { Float($0) / 255 })
        #expect(data.isLabelled && data.count == 3)
    }

    @Test func floatsAreCopiedAsTheyAre() {
        let table = Dataset(
            shape: shape, layout: .table, values: .floats([-1.5, 2, 3, 4e6]), count: 2, labels: nil,
            itemNames: ["line 2", "line 3"])
        #expect(table.floatValues([1, 0]) == [3, 4e6, -1.5, 2])
        #expect(!table.isLabelled && table.layout == .table)
    }

    @Test func subsetFilterAndPrefixKeepLabelsAndNames() {
        let data = Dataset(
            shape: shape, values: .floats([0, 1, 2, 3, 4, 5]), count: 3, labels: [1, 0, 1],
            itemNames: ["a", "b", "c"])
        let ones = data.filtered(toClass: 1)
        #expect(ones.count == 2 && ones.labels == [1, 1] && ones.itemNames == ["a", "c"])
        #expect(ones.floatValues == [0, 1, 4, 5])
        let first = data.prefix(2)
        #expect(first.values == .floats([0, 1, 2, 3]) && first.itemNames == ["a", "b"])
        #expect(data.prefix(10).count == 3)
        let unlabelled = Dataset(shape: shape, values: .unitBytes([1, 2]), count: 1, labels: nil)
        #expect(unlabelled.filtered(toClass: 0).count == 0, "unlabelled data has no class to filter on")
        #expect(data.subset([2, 2]).itemNames == ["c", "c"])
    }
}
