// swift-tools-version:6.0
// The data flows dataset → trainer → .vaez → daemon → client; each arrow is one module boundary below.
import PackageDescription

let package = Package(
    name: "vae",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vae", targets: ["vae"]),
        .executable(name: "vaed", targets: ["vaed"]),
        .executable(name: "vaectl", targets: ["vaectl"]),
        .library(name: "VAEJSON", targets: ["VAEJSON"]),
        .library(name: "VAEProtocol", targets: ["VAEProtocol"]),
        .library(name: "VAEServer", targets: ["VAEServer"]),
        .library(name: "VAEClient", targets: ["VAEClient"]),
        .library(name: "VAENumerics", targets: ["VAENumerics"]),
        .library(name: "VAEModel", targets: ["VAEModel"]),
        .library(name: "VAECore", targets: ["VAECore"]),
        .library(name: "VAEFiles", targets: ["VAEFiles"]),
        .library(name: "VAEData", targets: ["VAEData"]),
        .library(name: "VAETraining", targets: ["VAETraining"]),
        .library(name: "VAEFormat", targets: ["VAEFormat"]),
        .library(name: "VAEAnalysis", targets: ["VAEAnalysis"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
    ],
    targets: [
        // System libraries from Debian packages.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),

        // GEMM through oneDNN (Debian's libdnnl-dev), which picks its kernels by CPU features; its OpenMP threads
        // come from libgomp. A C target rather than a system library: it also reads CPUID and sets the thread count.
        .target(name: "CGEMM", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),

        // Uncompressed PNGs for served images: stored deflate blocks framed by hand, checksums from zlib.
        .target(name: "CPNGStored", dependencies: ["CZlib"]),

        // Vectorised element-wise kernels (the passes between GEMMs); always optimised, even in debug builds.
        .target(name: "CVAEKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),

        // Strict JSON values, parser and writer: shared by the .vaez metadata and the wire protocol.
        .target(name: "VAEJSON"),

        // Wire protocol v1 (Formats/protocol.md): JSON-RPC framing, errors, params and image payloads. No NIO, so
        // the client shares it.
        .target(name: "VAEProtocol", dependencies: ["VAEJSON", "VAEData", "VAENumerics"]),

        // The serving core: loaded models, deterministic sampling, the method handler (transport-free).
        .target(
            name: "VAEServer",
            dependencies: [
                "VAEProtocol", "VAECore", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel", "VAENumerics",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The client side: a blocking JSON-RPC connection, image inputs, the load generator. No NIO.
        .target(name: "VAEClient", dependencies: ["VAEProtocol", "VAEJSON", "VAEData", "VAEFiles"]),

        // Whole-file reads and crash-safe writes (temporary file, fsync, rename), and the input error they and the
        // dataset and image readers throw. libc only: the dataset reader, the image codecs, the .vaez format and the
        // client all write or read files through it.
        .target(name: "VAEFiles"),

        // Value types every stage shares: the image shape, the seedable random source. Pure Swift (libm only), so the
        // client can have them without the numeric core.
        .target(name: "VAECore"),

        // Numeric core: matrices, GEMM, layers' element-wise math, losses, Adam, parallel loops.
        .target(name: "VAENumerics", dependencies: ["CGEMM", "CVAEKernels"]),
        // The VAE / AE network: architecture, parameters, forward and backward passes.
        .target(name: "VAEModel", dependencies: ["VAECore", "VAENumerics"]),
        // Datasets (IDX, gzip), noise corruption, PNG and image grids, atomic files.
        .target(name: "VAEData", dependencies: ["CZlib", "CPNG", "CPNGStored", "VAECore", "VAEFiles", "VAENumerics"]),
        // The .vaez model file format (Formats/vaez.md): strict reader, canonical writer, Network glue.
        .target(
            name: "VAEFormat",
            dependencies: [
                "VAECore", "VAEFiles", "VAEModel", "VAEJSON", "VAENumerics", "CZlib", "CZstd",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The training loop, checkpoints, metrics and progress reporting.
        .target(
            name: "VAETraining",
            dependencies: [
                "VAECore", "VAEData", "VAEFiles", "VAEFormat", "VAEModel", "VAENumerics",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The seed study's findings as numbers and figures: PCA, latent dimension statistics, the importance-weighted
        // bound, evaluation, and SVG/PNG figures.
        .target(
            name: "VAEAnalysis",
            dependencies: ["VAECore", "VAEData", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel", "VAENumerics"]),

        .executableTarget(
            name: "vae",
            dependencies: [
                "VAETraining", "VAECore", "VAEData", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel", "VAENumerics", "VAEAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "VAETestSupport", dependencies: ["VAECore", "VAEData", "VAEFiles", "VAEFormat", "VAEModel"], path: "Tests/VAETestSupport"),
        .testTarget(name: "VAEJSONTests", dependencies: ["VAEJSON"]),
        .testTarget(name: "VAEProtocolTests", dependencies: ["VAEData", "VAEJSON", "VAEProtocol"]),
        .testTarget(
            name: "VAEServerTests",
            dependencies: [
                "VAEServer", "VAEFormat", "VAEData", "VAETestSupport", .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "VaedTests", dependencies: ["VAECore", "VAEFormat", "VAENumerics", "VAETestSupport"]),
        .executableTarget(
            name: "vaed",
            dependencies: [
                "VAEServer", "VAEProtocol", "VAENumerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "vaectl",
            dependencies: [
                "VAEClient", "VAEProtocol", "VAECore", "VAEData", "VAEFiles", "VAEJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "VAEClientTests", dependencies: ["VAEClient", "VAEData", "VAEFiles", "VAETestSupport"]),
        // Runs the built vaectl against a built vaed, as a user would.
        .testTarget(
            name: "VaectlTests", dependencies: ["VAEData", "VAEFiles", "VAEFormat", "VAETestSupport"]),

        .testTarget(name: "VAECoreTests", dependencies: ["VAECore"]),
        .testTarget(name: "VAENumericsTests", dependencies: ["VAECore", "VAENumerics"]),
        .testTarget(name: "VAEModelTests", dependencies: ["VAECore", "VAEModel", "VAENumerics", "VAETestSupport"]),
        .testTarget(name: "VAEDataTests", dependencies: ["VAECore", "VAEData", "VAEFiles", "VAETestSupport"]),
        .testTarget(
            name: "VAEFormatTests", dependencies: ["VAECore", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel", "VAETestSupport"]),
        .testTarget(name: "VAETrainingTests", dependencies: ["VAETraining", "VAEFiles", "VAEFormat", "VAETestSupport"]),
        .testTarget(name: "VAEAnalysisTests", dependencies: ["VAEAnalysis", "VAECore", "VAEModel", "VAEData", "VAENumerics", "VAETestSupport"]),
        // Runs the built executables as a user would.
        .testTarget(name: "VAECommandTests", dependencies: ["VAEData", "VAEFiles", "VAETestSupport"]),
    ]
)
