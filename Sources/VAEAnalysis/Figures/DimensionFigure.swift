/// "Manifold dimension discovery": per latent dimension, sorted by use, the average KL to the prior, the variance
/// of mu (log scale, with the active-unit threshold drawn) and the seed's decoder column sums, in stacked panels.
package enum DimensionFigure {
    package static func svg(_ statistics: LatentDimensionStatistics, caption: String) -> SVGDocument {
        let order = statistics.orderByUse
        let active = Set(statistics.activeDimensions())
        let zDim = statistics.zDim
        let panelWidth = max(600, Double(zDim) * 28), panelHeight = 170.0, left = 90.0
        let categories = order.enumerated().map { (position: Double($0.offset), label: "\($0.element)") }
        let xDomain = -0.6...(Double(zDim) - 0.4)
        let barWidth = min(panelWidth / Double(zDim) * 0.7, 40)
        let activeColour = Palette.colour(0), inactiveColour = "#b0b0b0"

        var panels: [(values: [Double], title: String, yLabel: String, log: Bool)] = []
        if let kl = statistics.averageKL {
            panels.append((kl, "Average KL(q(z_j|x) ‖ N(0, 1)) over the test set", "KL (nats)", false))
        }
        panels.append((statistics.meanVariance, "Variance of mu_j across the test set (log scale)", "variance", true))
        panels.append((statistics.decoderColumnSums, "Seed's measure: Σ|W| of the first decoder layer's column j", "Σ |W|", false))

        let top = 100.0, gap = 80.0
        let height = top + Double(panels.count) * (panelHeight + gap) + 10
        let count = active.count
        let title = "Manifold dimension discovery: \(count) of \(zDim) dimensions active"
        var document = SVGDocument(width: left + panelWidth + 30, height: height, title: title)
        document.add(SVGShape.text(title, x: document.width / 2, y: 24, size: 16, anchor: .middle, bold: true))
        document.add(SVGShape.text(caption, x: document.width / 2, y: 44, size: 12, anchor: .middle, fill: "#444444"))
        document.add(SVGShape.text("active: variance of mu > 0.01 (Burda et al. 2015); dimensions sorted by use, most used first",
                                   x: document.width / 2, y: 60, size: 12, anchor: .middle, fill: "#444444"))
        let legend = Legend([.init("active", colour: activeColour, marker: .bar), .init("inactive", colour: inactiveColour, marker: .bar)])
        document.add(legend.elements(x: left + panelWidth - legend.width, y: 68))

        for (index, panel) in panels.enumerated() {
            let panelTop = top + 28 + Double(index) * (panelHeight + gap)
            let values = order.map { panel.values[$0] }
            var yDomain: ClosedRange<Double>
            if panel.log {
                let floor = 1e-6
                let positive = values.map { max($0, floor) } + [LatentDimensionStatistics.activeThreshold]
                yDomain = (positive.min()! / 2)...(positive.max()! * 2)
            } else {
                yDomain = 0...max((values.max() ?? 1) * 1.1, 1e-9)
            }
            var chart = ChartPanel(left: left, top: panelTop, width: panelWidth, height: panelHeight,
                                   xDomain: xDomain, yDomain: yDomain, yKind: panel.log ? .logarithmic : .linear,
                                   title: panel.title, xLabel: "latent dimension", yLabel: panel.yLabel)
            chart.xCategories = categories
            document.add(chart.axes())
            for (position, dimension) in order.enumerated() {
                let value = panel.log ? max(values[position], 1e-6) : values[position]
                let x = chart.x.position(Double(position)) - barWidth / 2
                let y = chart.y.position(value), base = chart.y.position(yDomain.lowerBound)
                document.add(SVGShape.rect(x: x, y: min(y, base), width: barWidth, height: abs(base - y),
                                           fill: active.contains(dimension) ? activeColour : inactiveColour))
            }
            if panel.log {
                let y = chart.y.position(LatentDimensionStatistics.activeThreshold)
                document.add(SVGShape.line(x1: chart.left, y1: y, x2: chart.right, y2: y, stroke: "#d62728", width: 1.5, dash: "6,4"))
                document.add(SVGShape.text("threshold 0.01", x: chart.right - 4, y: y - 5, size: 11, anchor: .end,
                                           fill: "#d62728", halo: true))
            }
        }
        return document
    }
}
