/// A boxed legend: one row per entry, a marker and its label.
package struct Legend: Sendable {
    /// How an entry's marker is drawn.
    package enum Marker: Sendable, Equatable {
        case point
        case line
        case dashedLine
        case bar
    }

    package struct Entry: Sendable {
        package var label: String
        package var colour: String
        package var marker: Marker

        package init(_ label: String, colour: String, marker: Marker) {
            self.label = label
            self.colour = colour
            self.marker = marker
        }
    }

    package var entries: [Entry]
    package var title: String?

    package init(_ entries: [Entry], title: String? = nil) {
        self.entries = entries
        self.title = title
    }

    static let rowHeight = 18.0

    /// The legend's width for its longest label (an estimate: 6.5 px per character at 12 px).
    package var width: Double {
        let longest = (entries.map(\.label) + [title ?? ""]).map(\.count).max() ?? 0
        return 36 + Double(longest) * 6.5
    }

    package var height: Double { Double(entries.count + (title == nil ? 0 : 1)) * Self.rowHeight + 10 }

    /// The legend with its top-left corner at (x, y).
    package func elements(x: Double, y: Double) -> [SVGElement] {
        var out = [SVGShape.rect(x: x, y: y, width: width, height: height, fill: "#ffffff", stroke: "#999999")
            .with("fill-opacity", "0.9")]
        var row = y + 5
        if let title {
            out.append(SVGShape.text(title, x: x + 8, y: row + 13, size: 12, bold: true))
            row += Self.rowHeight
        }
        for entry in entries {
            let cy = row + Self.rowHeight / 2
            switch entry.marker {
            case .point: out.append(SVGShape.circle(x: x + 16, y: cy, radius: 4, fill: entry.colour))
            case .line: out.append(SVGShape.line(x1: x + 6, y1: cy, x2: x + 26, y2: cy, stroke: entry.colour, width: 2))
            case .dashedLine:
                out.append(SVGShape.line(x1: x + 6, y1: cy, x2: x + 26, y2: cy, stroke: entry.colour, width: 2, dash: "5,3"))
            case .bar: out.append(SVGShape.rect(x: x + 10, y: cy - 5, width: 12, height: 10, fill: entry.colour))
            }
            out.append(SVGShape.text(entry.label, x: x + 32, y: cy + 4, size: 12))
            row += Self.rowHeight
        }
        return out
    }
}

/// Colours that stay distinct for ten classes (matplotlib's tab10).
package enum Palette {
    static let categorical = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// The colour of class or series `index` (cycling after ten).
    package static func colour(_ index: Int) -> String { categorical[((index % 10) + 10) % 10] }
}
