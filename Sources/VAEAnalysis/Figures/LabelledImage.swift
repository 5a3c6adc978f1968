import VAEFiles
import VAEImage

/// A PNG image grid with a title, axis titles and tick labels: an SVG that embeds the PNG (base64) and draws the
/// text around it.
///
/// PNG figures stay unlabelled (text in a PNG would need a font renderer); the SVG form carries the labels.
package struct LabelledImage: Sendable {
    /// A label at a pixel position along one edge of the image (in image pixels, before scaling).
    package struct Tick: Sendable {
        package var position: Double
        package var label: String

        package init(position: Double, label: String) {
            self.position = position
            self.label = label
        }
    }

    package var image: PixelImage
    /// Display pixels per image pixel.
    package var scale: Double = 1
    package var title: String?
    var subtitle: String?
    package var xLabel: String?
    package var yLabel: String?
    /// Labels under the image, at column positions.
    package var columnTicks: [Tick] = []
    /// Labels left of the image, at row positions.
    package var rowTicks: [Tick] = []

    package init(image: PixelImage) { self.image = image }

    /// The SVG document: the embedded PNG with every label.
    package func svg() throws(DataError) -> SVGDocument {
        let png = try PNG.encode(image)
        let imageWidth = Double(image.width) * scale, imageHeight = Double(image.height) * scale
        let rowLabelWidth = Double(rowTicks.map(\.label.count).max() ?? 0) * 7 + (rowTicks.isEmpty ? 0 : 12)
        let left = 12 + rowLabelWidth + (yLabel == nil ? 0 : 26)
        let top = (title == nil ? 12.0 : 34) + (subtitle == nil ? 0 : 18)
        let bottom = (columnTicks.isEmpty ? 8.0 : 24) + (xLabel == nil ? 0 : 24) + 8
        let titleWidth = Double(max(title?.count ?? 0, subtitle?.count ?? 0)) * 7.5
        let width = max(left + imageWidth + 16, titleWidth + 24)
        var document = SVGDocument(width: width, height: top + imageHeight + bottom, title: title)
        if let title {
            document.add(SVGShape.text(title, x: left + imageWidth / 2, y: 24, size: 15, anchor: .middle, bold: true))
        }
        if let subtitle {
            document.add(SVGShape.text(subtitle, x: left + imageWidth / 2, y: top - 10, size: 12, anchor: .middle,
                                       fill: "#444444"))
        }
        document.add(SVGShape.image(png: png, x: left, y: top, width: imageWidth, height: imageHeight))
        document.add(SVGShape.rect(x: left, y: top, width: imageWidth, height: imageHeight, fill: "none", stroke: "#333333"))
        for tick in columnTicks {
            let x = left + tick.position * scale
            document.add(SVGShape.line(x1: x, y1: top + imageHeight, x2: x, y2: top + imageHeight + 4, stroke: "#333333"))
            document.add(SVGShape.text(tick.label, x: x, y: top + imageHeight + 17, size: 11, anchor: .middle))
        }
        for tick in rowTicks {
            let y = top + tick.position * scale
            document.add(SVGShape.line(x1: left - 4, y1: y, x2: left, y2: y, stroke: "#333333"))
            document.add(SVGShape.text(tick.label, x: left - 7, y: y + 4, size: 11, anchor: .end))
        }
        if let xLabel {
            let y = top + imageHeight + (columnTicks.isEmpty ? 22 : 40)
            document.add(SVGShape.text(xLabel, x: left + imageWidth / 2, y: y, size: 13, anchor: .middle))
        }
        if let yLabel {
            let x = left - rowLabelWidth - 12, y = top + imageHeight / 2
            document.add(SVGShape.text(yLabel, x: x, y: y, size: 13, anchor: .middle, rotation: -90))
        }
        return document
    }

    /// Writes the labelled SVG when `path` ends in `.svg`, else the bare PNG.
    package func write(to path: String) throws(DataError) {
        if path.lowercased().hasSuffix(".svg") {
            try svg().write(to: path)
        } else {
            try PNG.write(image, to: path)
        }
    }

    /// Every `stride`-th of `count` evenly spaced cells labelled, `stride` chosen so that labels about
    /// `labelWidth` pixels wide do not overlap.
    static func thinned(count: Int, cellSize: Double, labelWidth: Double) -> [Int] {
        let stride = max(1, Int((labelWidth / max(cellSize, 1)).rounded(.up)))
        return Swift.stride(from: 0, to: count, by: stride).map { $0 }
    }
}
