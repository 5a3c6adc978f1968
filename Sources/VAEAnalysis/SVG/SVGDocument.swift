import Foundation
import VAEFiles

/// A standalone SVG 1.1 document of a fixed pixel size, built from `SVGElement`s and shapes.
///
/// The output is plain XML with a white background and a sans-serif font, so it looks the same in a browser, on
/// GitHub and through rsvg-convert.
package struct SVGDocument: Sendable {
    package let width: Double
    package let height: Double
    /// The document's `<title>` (what a browser shows and screen readers read).
    package var title: String?
    package private(set) var elements: [SVGElement] = []

    package init(width: Double, height: Double, title: String? = nil) {
        precondition(width > 0 && height > 0, "an SVG document needs a positive size")
        self.width = width
        self.height = height
        self.title = title
    }

    package mutating func add(_ element: SVGElement) { elements.append(element) }

    package mutating func add(_ elements: [SVGElement]) { self.elements += elements }

    /// The whole document as XML text.
    package func rendered() -> String {
        var root = SVGElement("svg", [
            .init("xmlns", "http://www.w3.org/2000/svg"),
            .init("xmlns:xlink", "http://www.w3.org/1999/xlink"),
            .init("version", "1.1"),
            .init("width", SVGText.number(width)), .init("height", SVGText.number(height)),
            .init("viewBox", "0 0 \(SVGText.number(width)) \(SVGText.number(height))"),
            .init("font-family", "DejaVu Sans, Helvetica, Arial, sans-serif"),
        ])
        if let title { root.children.append(SVGElement("title", text: title)) }
        root.children.append(SVGShape.rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff"))
        root.children += elements
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.rendered()
    }

    /// Writes the document atomically.
    package func write(to path: String) throws(DataError) {
        try Files.writeAtomically(Array(rendered().utf8), to: path)
    }
}

/// Factories for the shapes the figures use.
package enum SVGShape {
    package static func line(
        x1: Double, y1: Double, x2: Double, y2: Double, stroke: String = "#000000", width: Double = 1,
        dash: String? = nil
    ) -> SVGElement {
        var element = SVGElement("line", [
            .init("x1", SVGText.number(x1)), .init("y1", SVGText.number(y1)),
            .init("x2", SVGText.number(x2)), .init("y2", SVGText.number(y2)),
            .init("stroke", stroke), .init("stroke-width", SVGText.number(width)),
        ])
        if let dash { element = element.with("stroke-dasharray", dash) }
        return element
    }

    package static func rect(
        x: Double, y: Double, width: Double, height: Double, fill: String, stroke: String? = nil,
        strokeWidth: Double = 1
    ) -> SVGElement {
        var element = SVGElement("rect", [
            .init("x", SVGText.number(x)), .init("y", SVGText.number(y)),
            .init("width", SVGText.number(max(width, 0))), .init("height", SVGText.number(max(height, 0))),
            .init("fill", fill),
        ])
        if let stroke { element = element.with("stroke", stroke).with("stroke-width", SVGText.number(strokeWidth)) }
        return element
    }

    package static func circle(x: Double, y: Double, radius: Double, fill: String, opacity: Double = 1) -> SVGElement {
        var element = SVGElement("circle", [
            .init("cx", SVGText.number(x)), .init("cy", SVGText.number(y)), .init("r", SVGText.number(radius)),
            .init("fill", fill),
        ])
        if opacity < 1 { element = element.with("fill-opacity", SVGText.number(opacity)) }
        return element
    }

    /// Where a text's x coordinate sits: its start, middle or end.
    package enum Anchor: String, Sendable {
        case start, middle, end
    }

    /// A line of text; `rotation` in degrees about (x, y); `halo` paints a white outline under it for legibility
    /// over points.
    package static func text(
        _ string: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start, bold: Bool = false,
        fill: String = "#000000", rotation: Double = 0, halo: Bool = false
    ) -> SVGElement {
        var element = SVGElement("text", [
            .init("x", SVGText.number(x)), .init("y", SVGText.number(y)),
            .init("font-size", SVGText.number(size)), .init("text-anchor", anchor.rawValue), .init("fill", fill),
        ], text: string)
        if bold { element = element.with("font-weight", "bold") }
        if rotation != 0 {
            element = element.with(
                "transform", "rotate(\(SVGText.number(rotation)) \(SVGText.number(x)) \(SVGText.number(y)))")
        }
        if halo {
            element = element.with("stroke", "#ffffff").with("stroke-width", "3").with("paint-order", "stroke")
                .with("stroke-linejoin", "round")
        }
        return element
    }

    package static func polyline(
        _ points: [(x: Double, y: Double)], stroke: String, width: Double = 1.5, dash: String? = nil
    ) -> SVGElement {
        let list = points.map { "\(SVGText.number($0.x)),\(SVGText.number($0.y))" }.joined(separator: " ")
        var element = SVGElement("polyline", [
            .init("points", list), .init("fill", "none"), .init("stroke", stroke),
            .init("stroke-width", SVGText.number(width)), .init("stroke-linejoin", "round"),
        ])
        if let dash { element = element.with("stroke-dasharray", dash) }
        return element
    }

    package static func group(_ children: [SVGElement], _ attributes: [SVGElement.Attribute] = []) -> SVGElement {
        SVGElement("g", attributes, children: children)
    }

    /// A PNG embedded as a base64 data URI, drawn without smoothing so that pixels stay sharp when scaled.
    package static func image(png: [UInt8], x: Double, y: Double, width: Double, height: Double) -> SVGElement {
        let uri = "data:image/png;base64," + Data(png).base64EncodedString()
        return SVGElement("image", [
            .init("x", SVGText.number(x)), .init("y", SVGText.number(y)),
            .init("width", SVGText.number(width)), .init("height", SVGText.number(height)),
            .init("preserveAspectRatio", "none"), .init("image-rendering", "pixelated"),
            .init("style", "image-rendering:pixelated;image-rendering:crisp-edges"),
            // SVG 1.1's xlink:href: every browser and rsvg-convert read it (SVG 2's bare href is not yet universal).
            .init("xlink:href", uri),
        ])
    }
}
