import Testing
import VAEAnalysis
import VAEImage
import VAETestSupport

@Suite("The SVG writer")
struct SVGWriterTests {
    @Test func documentIsWellFormedAndEscapesText() {
        var document = SVGDocument(width: 200, height: 100, title: "a < b & \"c\"")
        document.add(SVGShape.text("T-shirt/top <&> 'quoted'", x: 10, y: 20))
        document.add(SVGShape.line(x1: 0, y1: 0, x2: 10.123, y2: -0.001, dash: "4,2"))
        document.add(SVGShape.circle(x: 5, y: 5, radius: 2, fill: "#ff0000", opacity: 0.5))
        document.add(SVGShape.polyline([(0, 0), (1, 2), (3, 4)], stroke: "#000000"))
        document.add(SVGShape.group([SVGShape.rect(x: 0, y: 0, width: 5, height: 5, fill: "none", stroke: "#000")]))
        document.add(SVGShape.text("control\u{1}character", x: 0, y: 0))
        let parsed = ParsedSVG(document.rendered())
        #expect(parsed.isWellFormed, "\(String(describing: parsed.error))")
        #expect(parsed.elements.first?.name == "svg")
        #expect(parsed.named("title").first?.text == "a < b & \"c\"")
        #expect(parsed.texts.contains("T-shirt/top <&> 'quoted'"))
        #expect(parsed.texts.contains("controlcharacter"), "characters XML forbids are dropped")
        #expect(parsed.named("line").first?.attributes["x2"] == "10.12")
        #expect(parsed.named("line").first?.attributes["y2"] == "0", "no negative zero")
        #expect(parsed.named("polyline").first?.attributes["points"] == "0,0 1,2 3,4")
    }

    @Test func numbersAndLabels() {
        #expect(SVGText.number(3) == "3" && SVGText.number(3.5) == "3.5" && SVGText.number(-0.25) == "-0.25")
        #expect(SVGText.label(0.0588, significant: 2) == "0.059")
        #expect(SVGText.label(-1.6449, significant: 2) == "-1.6")
        #expect(SVGText.label(250) == "250" && SVGText.label(0.01) == "0.01" && SVGText.label(0) == "0")
    }

    @Test func ticksAreRound() {
        let scale = PlotScale(domain: 0.3...9.6, from: 0, to: 100)
        #expect(scale.ticks(count: 6) == [2, 4, 6, 8])
        let log = PlotScale(kind: .logarithmic, domain: 0.001...50, from: 100, to: 0)
        #expect(log.ticks(count: 8) == [0.001, 0.01, 0.1, 1, 10])
        #expect(log.position(0.001) == 100 && abs(log.position(50)) < 1e-9)
    }

    @Test func chartPanelDrawsAxesTitlesAndTicks() {
        var panel = ChartPanel(left: 60, top: 40, width: 300, height: 200, xDomain: 0...10, yDomain: -1...1,
                               title: "Title", xLabel: "x axis", yLabel: "y axis")
        panel.xCategories = [(position: 1, label: "z1"), (position: 2, label: "z2")]
        var document = SVGDocument(width: 400, height: 300)
        document.add(panel.axes())
        document.add(Legend([.init("class <0>", colour: Palette.colour(0), marker: .point)], title: "class").elements(x: 0, y: 0))
        let parsed = ParsedSVG(document.rendered())
        #expect(parsed.isWellFormed)
        for label in ["Title", "x axis", "y axis", "z1", "z2", "class <0>", "0", "-1", "1"] {
            #expect(parsed.texts.contains(label), "missing \(label)")
        }
    }

    @Test func embeddedPNGDecodes() throws {
        let image = PixelImage(width: 3, height: 2, channels: 1, pixels: [0, 40, 80, 120, 160, 255])
        var figure = LabelledImage(image: image)
        figure.title = "grid"
        figure.xLabel = "z0"
        figure.yLabel = "z1"
        figure.columnTicks = [.init(position: 1.5, label: "0")]
        let parsed = ParsedSVG(try figure.svg().rendered())
        #expect(parsed.isWellFormed)
        #expect(try parsed.embeddedImages() == [image])
        #expect(parsed.texts.contains("z0") && parsed.texts.contains("z1") && parsed.texts.contains("grid"))
    }
}
