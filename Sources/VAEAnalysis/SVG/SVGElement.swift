import Foundation

/// One SVG element: a name, attributes in the order given, and either children or text.
///
/// Values are escaped when the element is rendered, so callers pass plain text (a class name such as
/// "T-shirt/top" or a label with `<` in it is safe).
package struct SVGElement: Sendable, Equatable {
    package var name: String
    package var attributes: [Attribute]
    package var children: [SVGElement]
    package var text: String?

    /// One `name="value"` pair.
    package struct Attribute: Sendable, Equatable {
        package var name: String
        package var value: String

        package init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    package init(_ name: String, _ attributes: [Attribute] = [], children: [SVGElement] = [], text: String? = nil) {
        self.name = name
        self.attributes = attributes
        self.children = children
        self.text = text
    }

    /// The same element with one more attribute.
    package func with(_ name: String, _ value: String) -> SVGElement {
        var copy = self
        copy.attributes.append(Attribute(name, value))
        return copy
    }

    /// The element as XML text, indented by `depth` levels.
    package func rendered(depth: Int = 0) -> String {
        let indent = String(repeating: "  ", count: depth)
        var out = indent + "<" + name
        for attribute in attributes { out += " \(attribute.name)=\"\(SVGText.escape(attribute.value))\"" }
        if let text {
            return out + ">" + SVGText.escape(text) + "</\(name)>\n"
        }
        if children.isEmpty { return out + "/>\n" }
        out += ">\n"
        for child in children { out += child.rendered(depth: depth + 1) }
        return out + indent + "</\(name)>\n"
    }
}

/// Text escaping and number formatting for SVG output.
package enum SVGText {
    /// Escapes the five XML special characters and drops control characters XML 1.0 forbids.
    package static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 && scalar.value != 0xFFFE && scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// A coordinate with at most two decimals and no trailing zeros (`12`, `3.5`, `-0.25`).
    package static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        var text = String(format: "%.2f", rounded)
        while text.hasSuffix("0") { text.removeLast() }
        return text == "-0" ? "0" : text
    }

    /// A value for a tick or table label: up to `significant` significant digits, no trailing zeros.
    package static func label(_ value: Double, significant: Int = 3) -> String {
        guard value.isFinite else { return "–" }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 { return String(format: "%.\(max(significant - 1, 0))e", value) }
        let decimals = max(0, significant - 1 - Int(floor(log10(magnitude))))
        var text = String(format: "%.\(decimals)f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }
}
