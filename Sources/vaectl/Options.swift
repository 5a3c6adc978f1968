import ArgumentParser
import Foundation
import VAEClient

// vaectl's global options: `Vaectl` declares these groups, so they are read before or after the command name
// (`vaectl --socket PATH health` as with docker, git -C or redis-cli -s); a command that declares the same group gets
// the values the root read (swift-argument-parser hands a parent's option group to its children). A command ignores
// the global options it has no use for.

/// Where the daemon is and how long to wait for it.
struct ConnectionOptions: ParsableArguments {
    @Option(
        help:
            "The daemon's socket (default: $VAED_SOCKET, else $XDG_RUNTIME_DIR/vaed.sock, else /tmp/vaed-<uid>/vaed.sock)."
    )
    var socket: String?

    @Option(help: "Seconds to wait for each answer (rpc waits without limit).")
    var timeout: Double = 120

    func validate() throws {
        guard timeout > 0, timeout.isFinite else {
            throw ValidationError("--timeout must be a positive number of seconds")
        }
    }
}

/// Which model to use when the daemon serves several.
struct ModelOption: ParsableArguments {
    @Option(help: "The model to use (needed when the daemon serves several).")
    var model: String?
}

/// JSON instead of text, for machines: what each command prints is in its --help.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print JSON instead of text (one line).")
    var json = false
}

/// Input images: PNG or IDX files, or one of them on standard input.
struct ImageInputOptions: ParsableArguments {
    @Argument(
        help: """
            PNG files (grey, RGB or RGBA, 8 or 16 bits) or IDX files (plain or .gz), not JPEG (convert it to PNG \
            first); - reads one from standard input. A table model's rows: CSV files (encode, denoise).
            """)
    var files: [String] = []

    @Option(help: "Images of IDX files to use: 5, 0..9 (both ends included), 1,4,7 (default: all).")
    var index: String?

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give at least one input file") }
        if let index {
            do {
                _ = try IndexSelection(parsing: index)
            } catch {
                throw ValidationError(error.message)
            }
        }
    }

    /// Reads every input, failing on the first that cannot be used.
    func read() throws -> [InputImage] {
        try ImageFiles.read(files, indices: index.map(IndexSelection.init(parsing:)))
    }
}

/// Scaling inputs to the model's size, for commands that send images to a model.
struct ResizeOption: ParsableArguments {
    @Flag(
        help: """
            Scale images of another size to the model's HxW (a flag: it takes no value; area average when \
            shrinking, bilinear when growing; the aspect ratio is not kept).
            """)
    var resize = false

    /// Refuses `--resize 28x28`: `vae train --resize` and `vaectl noise --resize` take HxW, so users type a size
    /// here too, and the flag would leave it to be read as an input file ("cannot read 28x28").
    /// - Parameter arguments: the command line (without the executable).
    func checkNoValue(in arguments: [String] = Array(CommandLine.arguments.dropFirst())) throws {
        guard resize else { return }
        for (option, value) in zip(arguments, arguments.dropFirst()) where option == "--resize" {
            let looksLikeSize = value.wholeMatch(of: #/[0-9]+[xX×][0-9]+/#) != nil
            if looksLikeSize && !FileManager.default.fileExists(atPath: value) {
                throw Failure(
                    .usage,
                    "--resize \(value): vaectl's --resize takes no value; it scales each image to the model's own "
                        + "HxW: give --resize alone")
            }
        }
    }
}

/// An image size given as HEIGHTxWIDTH (`28x28`; `×` works too), the order vaectl prints sizes in.
struct ImageSize: ExpressibleByArgument, Equatable {
    let height: Int
    let width: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "x" || $0 == "×" })
        guard parts.count == 2, let height = Int(parts[0]), let width = Int(parts[1]), (1...65536).contains(height),
            (1...65536).contains(width)
        else { return nil }
        self.height = height
        self.width = width
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

/// Where output images go.
struct ImageOutputOptions: ParsableArguments {
    @Option(
        name: .shortAndLong,
        help: """
            Write one PNG: the image, or a grid when there are several; a table model's rows: one CSV file, \
            NAME.csv (- for standard output).
            """)
    var output: String?

    @Option(help: "Write one PNG per image into this folder (created if missing; images only).")
    var outDir: String?

    @Option(help: "Columns of the grid written by -o (default: the square root of the count, rounded up).")
    var grid: Int?

    func validate() throws {
        if output != nil && outDir != nil { throw ValidationError("give either -o FILE or --out-dir DIR, not both") }
        if let grid {
            guard grid >= 1 else { throw ValidationError("--grid must be at least 1 (got \(grid))") }
            guard output != nil else { throw ValidationError("--grid lays out the PNG written by -o; give -o FILE") }
        }
    }

    var isEmpty: Bool { output == nil && outDir == nil }
}
