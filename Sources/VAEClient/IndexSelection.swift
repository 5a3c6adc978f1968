import Foundation

/// Which images of an IDX file to use: `--index 5`, `--index 0..9` (both ends included), `--index 1,4,7`, or a mix
/// such as `0..3,10`.
public struct IndexSelection: Sendable, Equatable, CustomStringConvertible {
    /// Inclusive ranges, in the order given.
    public let ranges: [ClosedRange<Int>]
    public let description: String

    /// Parses the option's text.
    /// - Throws: `InputError` naming the part that is not an index or an ascending range.
    public init(parsing text: String) throws(InputError) {
        var ranges: [ClosedRange<Int>] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "..", maxSplits: 1, omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let low = Int(bounds[0]), low >= 0, let high = bounds.count == 2 ? Int(bounds[1]) : low, high >= low
            else {
                throw InputError("--index takes indices and ranges such as 5, 0..9 or 1,4,7 (got '\(text)')")
            }
            ranges.append(low...high)
        }
        self.ranges = ranges
        description = text
    }

    /// The selected indices in order, checked against a file of `count` images.
    /// - Throws: `InputError` naming the file and its index range when an index is past its end.
    public func indices(count: Int, source: String) throws(InputError) -> [Int] {
        var indices: [Int] = []
        for range in ranges {
            guard range.upperBound < count else {
                throw InputError(
                    "--index \(range.upperBound) is past the end of \(source), which holds \(count) images (0..\(count - 1))"
                )
            }
            indices += Array(range)
        }
        return indices
    }
}
