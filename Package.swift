// swift-tools-version:6.0
// The data flows dataset → trainer → .vaez → daemon → client; each arrow is one module boundary below.
import PackageDescription

let package = Package(
    name: "vae",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "vae", targets: ["vae"]),
        .executable(name: "vaed", targets: ["vaed"]),
        .executable(name: "vaectl", targets: ["vaectl"]),
        .library(name: "VAEJSON", targets: ["VAEJSON"]),
        .library(name: "VAEProtocol", targets: ["VAEProtocol"]),
        .library(name: "VAEServing", targets: ["VAEServing"]),
        .library(name: "VAELineTransport", targets: ["VAELineTransport"]),
        .library(name: "VAEClient", targets: ["VAEClient"]),
        .library(name: "VAENumerics", targets: ["VAENumerics"]),
        .library(name: "VAEModel", targets: ["VAEModel"]),
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

        // The serving engine, transport-free (no NIO): model catalog and reload, the methods as typed requests and
        // results, dynamic batching on compute threads, statistics. Transports sit on top of it.
        .target(
            name: "VAEServing",
            dependencies: [
                "VAEFormat", "VAEModel", "VAENumerics", "VAEData",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Protocol v1 on a Unix socket (line-delimited JSON-RPC 2.0) over SwiftNIO: one transport on the engine.
        .target(
            name: "VAELineTransport",
            dependencies: [
                "VAEServing", "VAEProtocol", "VAEJSON", "VAENumerics",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The client side: a blocking JSON-RPC connection, image inputs, the load generator. No NIO.
        .target(name: "VAEClient", dependencies: ["VAEProtocol", "VAEJSON", "VAEData"]),

        // Numeric core: matrices, GEMM, layers' element-wise math, losses, Adam, RNG, parallel loops.
        .target(name: "VAENumerics", dependencies: ["CGEMM", "CVAEKernels"]),
        // The VAE / AE network: architecture, parameters, forward and backward passes.
        .target(name: "VAEModel", dependencies: ["VAENumerics"]),
        // Datasets (IDX, gzip), noise corruption, PNG and image grids, atomic files.
        .target(name: "VAEData", dependencies: ["CZlib", "CPNG", "CPNGStored", "VAEModel", "VAENumerics"]),
        // The .vaez model file format (Formats/vaez.md): strict reader, canonical writer, Network glue.
        .target(
            name: "VAEFormat",
            dependencies: [
                "VAEModel", "VAEData", "VAEJSON", "VAENumerics", "CZstd", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The training loop, checkpoints, metrics and progress reporting.
        .target(
            name: "VAETraining",
            dependencies: [
                "VAEModel", "VAEData", "VAEFormat",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The seed study's findings as numbers and figures: PCA, latent dimension statistics, the importance-weighted
        // bound, evaluation, and SVG/PNG figures.
        .target(name: "VAEAnalysis", dependencies: ["VAEModel", "VAEData", "VAEFormat", "VAEJSON", "VAENumerics"]),

        .executableTarget(
            name: "vae",
            dependencies: [
                "VAETraining", "VAEFormat", "VAEJSON", "VAEAnalysis",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .target(
            name: "VAETestSupport", dependencies: ["VAEData", "VAEFormat", "VAEModel", "VAENumerics"], path: "Tests/VAETestSupport"),
        .testTarget(name: "VAEJSONTests", dependencies: ["VAEJSON"]),
        .testTarget(name: "VAEProtocolTests", dependencies: ["VAEProtocol"]),
        .testTarget(
            name: "VAEServingTests",
            dependencies: ["VAEServing", "VAEFormat", "VAEData", "VAETestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "VAELineTransportTests",
            dependencies: [
                "VAELineTransport", "VAEServing", "VAEProtocol", "VAEJSON", "VAEData", "VAETestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(name: "VaedTests", dependencies: ["VAEFormat", "VAEModel", "VAENumerics", "VAETestSupport"]),
        .executableTarget(
            name: "vaed",
            dependencies: [
                "VAEServing", "VAELineTransport", "VAEProtocol", "VAENumerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        .executableTarget(
            name: "vaectl",
            dependencies: [
                "VAEClient", "VAEProtocol", "VAEData", "VAEJSON", "VAEModel", "VAENumerics",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "VAEClientTests", dependencies: ["VAEClient", "VAEData", "VAETestSupport"]),
        // Runs the built vaectl against a built vaed, as a user would.
        .testTarget(
            name: "VaectlTests", dependencies: ["VAEData", "VAEFormat", "VAEModel", "VAENumerics", "VAETestSupport"]),

        .testTarget(name: "VAENumericsTests", dependencies: ["VAENumerics"]),
        .testTarget(name: "VAEModelTests", dependencies: ["VAEModel", "VAETestSupport"]),
        .testTarget(name: "VAEDataTests", dependencies: ["VAEData", "VAETestSupport"]),
        .testTarget(name: "VAEFormatTests", dependencies: ["VAEFormat", "VAEJSON", "VAETestSupport"]),
        .testTarget(name: "VAETrainingTests", dependencies: ["VAETraining", "VAEData", "VAETestSupport"]),
        .testTarget(name: "VAEAnalysisTests", dependencies: ["VAEAnalysis", "VAEModel", "VAEData", "VAETestSupport"]),
        // Runs the built executables as a user would.
        .testTarget(name: "VAECommandTests", dependencies: ["VAEData", "VAETestSupport"]),
    ]
)
