/// One plotting area of a figure: a frame, its two scales, ticks with labels, axis titles and a panel title.
///
/// Figures place panels in an `SVGDocument` and draw data with `x.position`/`y.position`; the panel draws
/// everything else.
package struct ChartPanel: Sendable {
    /// The plotting rectangle in document pixels (the axes sit on its left and bottom edges).
    package let left: Double
    package let top: Double
    package let width: Double
    package let height: Double
    package let x: PlotScale
    package let y: PlotScale
    package var title: String?
    package var xLabel: String?
    package var yLabel: String?
    /// Tick labels on the x axis in place of numbers (categories such as dimension indices), at data positions.
    package var xCategories: [(position: Double, label: String)]?
    /// Light grid lines at the y ticks.
    var horizontalGrid = true
    /// Only whole-number ticks on the x axis (epochs).
    var integerXTicks = false

    package init(
        left: Double, top: Double, width: Double, height: Double,
        xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>,
        xKind: PlotScale.Kind = .linear, yKind: PlotScale.Kind = .linear,
        title: String? = nil, xLabel: String? = nil, yLabel: String? = nil
    ) {
        self.left = left
        self.top = top
        self.width = width
        self.height = height
        x = PlotScale(kind: xKind, domain: xDomain, from: left, to: left + width)
        y = PlotScale(kind: yKind, domain: yDomain, from: top + height, to: top)
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    package var bottom: Double { top + height }
    package var right: Double { left + width }

    /// Whether a point lies inside the plotting rectangle (data outside is not drawn).
    package func contains(x px: Double, y py: Double) -> Bool {
        px >= left - 0.5 && px <= right + 0.5 && py >= top - 0.5 && py <= bottom + 0.5
    }

    /// Frame, grid, ticks, tick labels, axis titles and the title.
    package func axes() -> [SVGElement] {
        var out: [SVGElement] = []
        let tickColour = "#333333", gridColour = "#e6e6e6"
        let yTicks = y.ticks(count: y.kind == .logarithmic ? 8 : max(3, Int(height / 45)))
        for value in yTicks {
            let py = y.position(value)
            guard py >= top - 0.5 && py <= bottom + 0.5 else { continue }
            if horizontalGrid {
                out.append(SVGShape.line(x1: left, y1: py, x2: right, y2: py, stroke: gridColour))
            }
            out.append(SVGShape.line(x1: left - 5, y1: py, x2: left, y2: py, stroke: tickColour))
            out.append(SVGShape.text(SVGText.label(value), x: left - 8, y: py + 4, size: 11, anchor: .end))
        }
        if let categories = xCategories {
            let size: Double = categories.count > 30 ? 8 : 11
            for (value, label) in categories {
                let px = x.position(value)
                out.append(SVGShape.line(x1: px, y1: bottom, x2: px, y2: bottom + 4, stroke: tickColour))
                out.append(SVGShape.text(label, x: px, y: bottom + 16, size: size, anchor: .middle))
            }
        } else {
            for value in x.ticks(count: max(3, Int(width / 70))) where !integerXTicks || value == value.rounded() {
                let px = x.position(value)
                guard px >= left - 0.5 && px <= right + 0.5 else { continue }
                out.append(SVGShape.line(x1: px, y1: bottom, x2: px, y2: bottom + 5, stroke: tickColour))
                out.append(SVGShape.text(SVGText.label(value), x: px, y: bottom + 18, size: 11, anchor: .middle))
            }
        }
        out.append(SVGShape.rect(x: left, y: top, width: width, height: height, fill: "none", stroke: tickColour))
        if let xLabel {
            out.append(SVGShape.text(xLabel, x: left + width / 2, y: bottom + 38, size: 13, anchor: .middle))
        }
        if let yLabel {
            let px = left - 52, py = top + height / 2
            out.append(SVGShape.text(yLabel, x: px, y: py, size: 13, anchor: .middle, rotation: -90))
        }
        if let title {
            out.append(SVGShape.text(title, x: left + width / 2, y: top - 12, size: 14, anchor: .middle, bold: true))
        }
        return out
    }
}
