import Foundation
import VAEFiles
import VAEImage
#if canImport(FoundationXML)
import FoundationXML
#endif

/// What an XML parse of an SVG found: element names with their attributes, and the text.
package final class ParsedSVG: NSObject, XMLParserDelegate {
    package struct Element {
        package var name: String
        package var attributes: [String: String]
        package var text = ""
    }

    package private(set) var elements: [Element] = []
    private var open: [Int] = []
    package private(set) var error: Error?

    /// Parses `text`; `error` is set when it is not well-formed XML.
    package init(_ text: String) {
        super.init()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = self
        if !parser.parse() { error = parser.parserError ?? NSError(domain: "xml", code: 1) }
    }

    package var isWellFormed: Bool { error == nil }

    package func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        open.append(elements.count)
        elements.append(Element(name: name, attributes: attributes))
    }

    package func parser(
        _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
    ) {
        open.removeLast()
    }

    package func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }

    package func named(_ name: String) -> [Element] { elements.filter { $0.name == name } }

    /// Every text element's content.
    package var texts: [String] { named("text").map(\.text) }

    /// The PNGs embedded as data URIs, decoded by libpng.
    package func embeddedImages() throws -> [PixelImage] {
        try named("image").map { element in
            let uri = element.attributes["xlink:href"] ?? element.attributes["href"] ?? ""
            let prefix = "data:image/png;base64,"
            guard uri.hasPrefix(prefix), let data = Data(base64Encoded: String(uri.dropFirst(prefix.count))) else {
                throw DataError(.badImage, "not a base64 PNG data URI")
            }
            return try PNG.decode([UInt8](data), source: "embedded image")
        }
    }
}
