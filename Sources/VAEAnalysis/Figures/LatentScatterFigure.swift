import VAECore

/// The test set's latent means in two dimensions (two chosen latent dimensions, or the first two principal
/// components of mu), one colour per class, with a legend of the class names and each class's name at its centroid.
package struct LatentScatterFigure: Sendable {
    /// Which plane the points are shown in.
    package enum Projection: Sendable, Equatable {
        case dimensions(Int, Int)
        case principalComponents
    }

    package let x: [Double]
    package let y: [Double]
    package let labels: [UInt8]
    package let xLabel: String
    package let yLabel: String
    package let title: String

    /// - Throws: `AnalysisError` when the dimensions do not exist or the model has fewer than two.
    package init(codes: EncodedSet, projection: Projection, caption: String) throws(AnalysisError) {
        guard codes.count > 0 else { throw AnalysisError("no test images to plot") }
        switch projection {
        case .dimensions(let a, let b):
            try ManifoldFigure.check(dimensions: [a, b], zDim: codes.zDim)
            x = (0..<codes.count).map { Double(codes.means[$0 * codes.zDim + a]) }
            y = (0..<codes.count).map { Double(codes.means[$0 * codes.zDim + b]) }
            xLabel = "mu, dimension \(a)"
            yLabel = "mu, dimension \(b)"
            title = "Latent means of the test set: \(caption)"
        case .principalComponents:
            guard codes.zDim >= 2 else {
                throw AnalysisError("the model has z_dim = \(codes.zDim); principal components need at least 2 latent dimensions")
            }
            let pca = PrincipalComponents(points: codes.means, count: codes.count, dimension: codes.zDim)
            let projected = (0..<codes.count).map { pca.project(codes.mean(of: $0), components: 2) }
            x = projected.map { $0[0] }
            y = projected.map { $0[1] }
            let ratio = pca.explainedVarianceRatio
            xLabel = "principal component 1 (\(SVGText.label(ratio[0] * 100, significant: 3))% of the variance)"
            yLabel = "principal component 2 (\(SVGText.label(ratio[1] * 100, significant: 3))%)"
            title = "Latent means of the test set, first two principal components: \(caption)"
        }
        labels = codes.labels
    }

    /// The figure, naming the classes with `classNames` (indexed by label).
    package func svg(classNames: [String]) -> SVGDocument {
        let panel = ChartPanel(
            left: 80, top: 50, width: 560, height: 520,
            xDomain: PlotScale.paddedDomain(x), yDomain: PlotScale.paddedDomain(y),
            title: nil, xLabel: xLabel, yLabel: yLabel)
        let classes = Array(Set(labels)).sorted()
        let legend = Legend(classes.map { .init(name(Int($0), classNames), colour: Palette.colour(Int($0)), marker: .point) },
                            title: "class")
        var document = SVGDocument(width: panel.right + legend.width + 40, height: panel.bottom + 60, title: title)
        document.add(SVGShape.text(title, x: document.width / 2, y: 26, size: 15, anchor: .middle, bold: true))
        document.add(panel.axes())
        // A fixed shuffle, so that no class is painted over all the others.
        var random = RandomSource(seed: 7, stream: 0x5CA7)
        var points: [SVGElement] = []
        points.reserveCapacity(labels.count)
        for i in random.permutation(labels.count) {
            points.append(SVGShape.circle(x: panel.x.position(x[i]), y: panel.y.position(y[i]), radius: 1.8,
                                          fill: Palette.colour(Int(labels[i])), opacity: 0.55))
        }
        document.add(SVGShape.group(points))
        for label in classes {
            let members = labels.indices.filter { labels[$0] == label }
            let cx = members.reduce(0) { $0 + x[$1] } / Double(members.count)
            let cy = members.reduce(0) { $0 + y[$1] } / Double(members.count)
            document.add(SVGShape.text(name(Int(label), classNames), x: panel.x.position(cx), y: panel.y.position(cy) + 4,
                                       size: 12, anchor: .middle, bold: true, fill: "#000000", halo: true))
        }
        document.add(legend.elements(x: panel.right + 20, y: panel.top))
        return document
    }

    private func name(_ label: Int, _ names: [String]) -> String { label < names.count ? names[label] : "\(label)" }
}
