/// Training curves: loss per image against epoch (train dashed, test solid) and, when any run is a VAE, the test
/// KL per image, one colour per run.
package enum TrainingCurvesFigure {
    package static func svg(_ runs: [TrainingRun]) -> SVGDocument {
        precondition(!runs.isEmpty, "at least one run")
        // An AE's KL is 0 throughout: it is left out of the KL panel (and the panel out when no run is a VAE).
        let variational = runs.filter { $0.testKL.contains { $0 > 0 } }
        let showKL = !variational.isEmpty
        let panelWidth = 420.0, panelHeight = 320.0, left = 90.0, top = 70.0
        let allEpochs = runs.flatMap(\.epochs).map(Double.init)
        let xDomain = (allEpochs.min()! - 0.3)...(allEpochs.max()! + 0.3)
        var legendEntries: [Legend.Entry] = []
        for (i, run) in runs.enumerated() {
            legendEntries.append(.init("\(run.name) test", colour: Palette.colour(i), marker: .line))
            legendEntries.append(.init("\(run.name) train", colour: Palette.colour(i), marker: .dashedLine))
        }
        let legend = Legend(legendEntries)
        let panels = showKL ? 2 : 1
        let width = Double(panels) * (left + panelWidth) + 30 + legend.width
        let title = "Training curves"
        var document = SVGDocument(width: width, height: top + panelHeight + 70, title: title)
        document.add(SVGShape.text(title, x: width / 2, y: 26, size: 16, anchor: .middle, bold: true))

        let losses = runs.flatMap { $0.trainLoss + $0.testLoss }
        var lossPanel = ChartPanel(left: left, top: top, width: panelWidth, height: panelHeight, xDomain: xDomain,
                                   yDomain: PlotScale.paddedDomain(losses), title: "Loss per image (negative ELBO or BCE)",
                                   xLabel: "epoch", yLabel: "nats per image")
        lossPanel.integerXTicks = true
        document.add(lossPanel.axes())
        for (i, run) in runs.enumerated() {
            document.add(series(run.epochs, run.trainLoss, panel: lossPanel, colour: Palette.colour(i), dash: "6,4"))
            document.add(series(run.epochs, run.testLoss, panel: lossPanel, colour: Palette.colour(i), dash: nil))
        }
        if showKL {
            var klPanel = ChartPanel(left: lossPanel.right + left, top: top, width: panelWidth, height: panelHeight,
                                     xDomain: xDomain, yDomain: PlotScale.paddedDomain(variational.flatMap(\.testKL)),
                                     title: "Test KL per image", xLabel: "epoch", yLabel: "nats per image")
            klPanel.integerXTicks = true
            document.add(klPanel.axes())
            for (i, run) in runs.enumerated() where run.testKL.contains(where: { $0 > 0 }) {
                document.add(series(run.epochs, run.testKL, panel: klPanel, colour: Palette.colour(i), dash: nil))
            }
        }
        document.add(legend.elements(x: width - legend.width - 10, y: top))
        return document
    }

    static func series(_ epochs: [Int], _ values: [Double], panel: ChartPanel, colour: String, dash: String?) -> [SVGElement] {
        let points = zip(epochs, values).map { (x: panel.x.position(Double($0)), y: panel.y.position($1)) }
        var out = [SVGShape.polyline(points, stroke: colour, width: 2, dash: dash)]
        if dash == nil { out += points.map { SVGShape.circle(x: $0.x, y: $0.y, radius: 2.5, fill: colour) } }
        return out
    }
}
