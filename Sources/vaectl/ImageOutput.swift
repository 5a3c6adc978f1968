import Foundation
import VAEClient
import VAECore
import VAEFiles
import VAEImage
import VAEJSON

/// Writes result images where `ImageOutputOptions` says: one PNG (a grid when there are several), one PNG per
/// image in a folder, or a PNG on standard output.
struct ImageWriter {
    let options: ImageOutputOptions

    /// Writes `images`; `names` are the file names (without .png) used with --out-dir.
    /// - Returns: the files written ("-" for standard output).
    func write(_ images: [PixelImage], names: [String]) throws -> [String] {
        precondition(images.count == names.count && !images.isEmpty)
        if let outDir = options.outDir {
            guard Set(names).count == names.count else {
                let duplicate = Dictionary(grouping: names, by: { $0 }).first { $0.value.count > 1 }!.key
                throw Failure(
                    .usage, "two inputs would both be written to \(outDir)/\(duplicate).png; give them different names")
            }
            try Files.makeDirectory(outDir)
            var files: [String] = []
            for (image, name) in zip(images, names) {
                let path = "\(outDir)/\(name).png"
                try PNG.write(image, to: path)
                files.append(path)
            }
            return files
        }
        guard let output = options.output else { return [] }
        let png = try PNG.encode(images.count == 1 ? images[0] : grid(images))
        if output == "-" {
            FileHandle.standardOutput.write(Data(png))
        } else {
            try Files.writeAtomically(png, to: output)
        }
        return [output]
    }

    /// Writes `images` and reports them: with `json`, one JSON object of `members` and the files written; otherwise a
    /// "wrote …" line ending in `(detail)`, unless the PNG went to standard output.
    func writeAndReport(
        _ images: [PixelImage], names: [String], json: Bool, members: [JSONMember] = [], detail: String
    ) throws {
        let files = try write(images, names: names)
        if json {
            printJSON(.object(members + [JSONMember(key: "files", value: .strings(files))]))
        } else if options.output != "-" {
            print("wrote \(summary(count: images.count, files: files)) (\(detail))")
        }
    }

    /// The columns of the grid for `count` images.
    func columns(_ count: Int) -> Int {
        options.grid ?? Int(Double(count).squareRoot().rounded(.up))
    }

    /// The images laid out as the trainer lays out its samples: 2 pixels of black around each.
    func grid(_ images: [PixelImage]) throws -> PixelImage {
        let first = images[0]
        let sameShape = images.allSatisfy {
            $0.width == first.width && $0.height == first.height && $0.channels == first.channels
        }
        guard sameShape else {
            throw Failure(.usage, "a grid needs images of one size; write them one by one with --out-dir")
        }
        let values = images.flatMap(\.unitValues)
        let shape = ImageShape(height: first.height, width: first.width, channels: first.channels)
        return ImageGrid(shape: shape, columns: min(columns(images.count), images.count)).render(values)
    }

    /// "digits.png: 64 images, 8×8 grid" and the like, for the summary line.
    func summary(count: Int, files: [String]) -> String {
        if options.outDir != nil { return "\(count) image\(count == 1 ? "" : "s") in \(options.outDir!)" }
        guard let file = files.first else { return "" }
        if count == 1 { return file }
        let columns = min(columns(count), count)
        return "\(file): \(count) images, \(columns)×\((count + columns - 1) / columns) grid"
    }
}

/// Names `prefix-000`, `prefix-001`, … for images that have no input file to be named after.
func numberedNames(_ prefix: String, count: Int) -> [String] {
    let digits = String(max(count - 1, 0)).count
    return (0..<count).map { index in
        let number = String(index)
        return "\(prefix)-\(String(repeating: "0", count: max(0, digits - number.count)))\(number)"
    }
}

/// Result images sent as `{"u8": base64}`, turned into images of the model's size and channels.
func decodeImages(_ result: JSONValue, model: ModelDescription, path: String) throws -> [PixelImage] {
    guard let items = result["images"]?.arrayValue else {
        throw ConnectionError(.badResponse, path: path, "the daemon's result has no images")
    }
    return try items.map { item in
        guard let text = item["u8"]?.stringValue, let data = Data(base64Encoded: text),
            data.count == model.height * model.width * model.channels, model.channels == 1 || model.channels == 3
        else {
            let size = "\(model.height)×\(model.width)×\(model.channels)"
            throw ConnectionError(.badResponse, path: path, "the daemon sent an image that is not u8 of \(size)")
        }
        return PixelImage(width: model.width, height: model.height, channels: model.channels, pixels: [UInt8](data))
    }
}

/// An image as a `{"u8": base64}` request item.
func u8Item(_ image: PixelImage) -> JSONValue {
    .object([JSONMember(key: "u8", value: .string(Data(image.pixels).base64EncodedString()))])
}

/// Prints one JSON value on one line of standard output.
func printJSON(_ value: JSONValue) {
    print(value.jsonText)
}

/// A table model's result rows (`{"rows": [[…]]}`), each value as its JSON number text.
func decodedRows(_ result: JSONValue, model: ModelDescription, path: String) throws -> [[String]] {
    guard let rows = result["rows"]?.arrayValue else {
        throw ConnectionError(.badResponse, path: path, "the daemon's result has no rows")
    }
    return try rows.map { row in
        guard let numbers = row.arrayValue?.compactMap({ $0.number?.text }), numbers.count == model.width else {
            throw ConnectionError(.badResponse, path: path, "the daemon sent a row that is not \(model.width) numbers")
        }
        return numbers
    }
}

/// Writes rows as CSV under `columns` (default: the model's column names, x1, x2, … when it has none) to `file`
/// (- for standard output), and reports the file: a "wrote …" line, or with `json` an object of `members` and the
/// files written.
func writeTable(
    _ rows: [[String]], model: ModelDescription, to file: String, json: Bool, columns: [String]? = nil,
    members: [JSONMember] = []
) throws {
    let names = columns ?? model.features ?? (1...model.width).map { "x\($0)" }
    let text = TableFiles.csv(names: names, rows: rows)
    if file == "-" {
        FileHandle.standardOutput.write(Data(text.utf8))
    } else {
        try Files.writeAtomically(Array(text.utf8), to: file)
    }
    if json {
        printJSON(.object(
            [JSONMember(key: "model", value: .string(model.name))] + members
                + [JSONMember(key: "files", value: .strings([file]))]))
    } else if file != "-" {
        print("wrote \(file): \(rows.count) row\(rows.count == 1 ? "" : "s") (model \(model.name))")
    }
}
