import CPNG
import VAEFiles

/// What a PNG's header declares, read with libpng's simplified API without decoding a pixel (VAEImage's `PNG`
/// decodes; this only decides the channels and refuses oversized files before their pixels are allocated).
enum PNGHeader {
    /// - Returns: `isColour` false for grey and grey+alpha files, true for RGB, RGBA and palette files.
    /// - Throws: `DataError.badImage` naming `source` when the header is unreadable.
    static func read(_ bytes: [UInt8], source: String) throws(DataError) -> (height: Int, width: Int, isColour: Bool) {
        var png = png_image()
        png.version = UInt32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&png, $0.baseAddress, $0.count) }
        guard begun != 0 else {
            let reason = withUnsafeBytes(of: png.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            throw DataError(.badImage, "\(source): not a readable PNG: \(reason)")
        }
        defer { png_image_free(&png) }
        return (Int(png.height), Int(png.width), png.format & UInt32(PNG_FORMAT_FLAG_COLOR) != 0)
    }
}
