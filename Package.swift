// swift-tools-version:6.0
// The data flows dataset → trainer → .vaez → daemon → client; each arrow is one module boundary below (VAEData →
// VAETraining → VAEFormat → VAEServing → the transports: VAELineTransport → VAEProtocol ← VAEClient on the Unix
// socket, VAEOpenInference → VAEHTTPTransport and VAEGRPCTransport on the network); models also leave as ONNX graphs
// and Triton model repositories (VAEFormat → VAEExport → vae, with the messages of VAEONNXProto and
// VAETritonConfigProto, so vae is listed after those; it links no gRPC). Targets are listed from the ground up, each
// depending only on targets above it, and each lists exactly the modules its sources import. The client side
// (VAEProtocol, VAEClient, vaectl) never reaches the numeric core, so vaectl links neither oneDNN nor libgomp.
import PackageDescription

let package = Package(
    name: "vae",
    platforms: [.macOS(.v15)],
    products: [
        // The public API: VAEFormat, VAEProtocol, VAEClient (the libraries below); every other module is `package`.
        .executable(name: "vae", targets: ["vae"]),
        .executable(name: "vaed", targets: ["vaed"]),
        .executable(name: "vaectl", targets: ["vaectl"]),
        .library(name: "VAEFormat", targets: ["VAEFormat"]),
        .library(name: "VAEProtocol", targets: ["VAEProtocol"]),
        .library(name: "VAEClient", targets: ["VAEClient"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-http2.git", from: "1.46.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/grpc/grpc-swift-2", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries from Debian packages.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CZip", pkgConfig: "libzip", providers: [.apt(["libzip-dev"])]),

        // JPEG decoding through libjpeg-turbo (Debian's libjpeg62-turbo-dev): a C target rather than a system
        // library, for its error manager that returns from fatal errors (setjmp/longjmp) instead of calling exit().
        .target(name: "CJPEG", linkerSettings: [.linkedLibrary("jpeg")]),

        // GEMM through oneDNN (Debian's libdnnl-dev), which picks its kernels by CPU features; its OpenMP threads
        // come from libgomp. A C target rather than a system library: it also reads CPUID and sets the thread count.
        .target(name: "CGEMM", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),

        // Uncompressed PNGs for served images: stored deflate blocks framed by hand, checksums from zlib.
        .target(name: "CPNGStored", dependencies: ["CZlib"]),

        // Vectorised element-wise kernels (the passes between GEMMs, and pixel/float conversion); plain C, no BLAS;
        // always optimised, even in debug builds.
        .target(name: "CVAEKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]),

        // The ground every stage stands on. Value types they share: the image shape, the seedable random source
        // (pure Swift, libm only).
        .target(name: "VAECore"),
        // Whole-file reads, crash-safe writes (temporary file, fsync, rename) and the input error (DataError) that
        // they, the dataset reader and the image codecs throw; libc only.
        .target(name: "VAEFiles"),
        // Strict JSON values, parser and writer: shared by the .vaez metadata, the wire protocol and the reports.
        .target(name: "VAEJSON"),

        // Numeric core: matrices, GEMM, layers' element-wise math, losses, Adam, parallel loops.
        .target(name: "VAENumerics", dependencies: ["CGEMM", "CVAEKernels"]),
        // The VAE / AE network: architecture, parameters, forward and backward passes.
        .target(name: "VAEModel", dependencies: ["VAECore", "VAENumerics"]),

        // Datasets in memory (bytes or floats, images or tables, labelled or not) and IDX reading (plain or gzip), the
        // MNIST-like datasets by name, the denoising corruption; bytes become floats by the C kernel, no BLAS.
        .target(name: "VAEData", dependencies: ["CVAEKernels", "CZlib", "VAECore", "VAEFiles"]),
        // Image codecs: PNG read and write (libpng; stored PNG for served images), image grids, resampling, pixel/float
        // conversion. No numeric core, so the client has them without oneDNN.
        .target(name: "VAEImage", dependencies: ["CPNG", "CPNGStored", "CVAEKernels", "VAECore", "VAEFiles"]),

        // The user's own data as datasets: folders of PNG/JPEG images (class subfolders, a test folder), NumPy .npy
        // and .npz arrays (libzip), CSV tables; the fraction split and the standardisation of tables. Its own module
        // so that the client, which reads IDX files through VAEData, links neither libjpeg nor libzip.
        .target(
            name: "VAEDataImport",
            dependencies: ["CJPEG", "CPNG", "CZip", "VAECore", "VAEData", "VAEFiles", "VAEImage"]
        ),

        // The .vaez model file format (Formats/vaez.md): strict reader, canonical writer, Network glue; CRC-32 from
        // zlib.
        .target(
            name: "VAEFormat",
            dependencies: [
                "CZlib", "CZstd", "VAECore", "VAEFiles", "VAEJSON", "VAEModel", "VAENumerics",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The training loop and its data (a dataset by name, or the user's own files through VAEDataImport),
        // checkpoints, metrics, epoch images, the training benchmark and its report.
        .target(
            name: "VAETraining",
            dependencies: [
                "VAECore", "VAEData", "VAEDataImport", "VAEFiles", "VAEFormat", "VAEImage", "VAEJSON", "VAEModel",
                "VAENumerics", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The seed study's findings as numbers and figures: PCA, latent dimension statistics, the importance-weighted
        // bound, evaluation and its report, and SVG/PNG figures.
        .target(
            name: "VAEAnalysis",
            dependencies: [
                "VAECore", "VAEData", "VAEDataImport", "VAEFiles", "VAEFormat", "VAEImage", "VAEJSON", "VAEModel",
                "VAENumerics",
            ]
        ),
        // Wire protocol v1 (Formats/protocol.md): JSON-RPC framing, errors, params and image payloads. No NIO and no
        // numeric core, so the client shares it.
        .target(name: "VAEProtocol", dependencies: ["VAEImage", "VAEJSON"]),

        // The serving engine, transport-free (no NIO): model catalog and reload, the methods as typed requests and
        // results, dynamic batching on compute threads, statistics. Transports sit on top of it. The statistics are
        // swift-metrics instruments made by a swift-prometheus factory the engine owns (no global bootstrap).
        .target(
            name: "VAEServing",
            dependencies: [
                "VAECore", "VAEFiles", "VAEFormat", "VAEModel", "VAENumerics",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Protocol v1 on a Unix socket (line-delimited JSON-RPC 2.0) over SwiftNIO: one transport on the engine.
        .target(
            name: "VAELineTransport",
            dependencies: [
                "VAEJSON", "VAENumerics", "VAEProtocol", "VAEServing", "VAETransportSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What the NIO transports share: gathering a finished batch's event-loop hops, connection limits and
        // draining, TCP listen addresses, the bearer token.
        .target(
            name: "VAETransportSupport",
            dependencies: [
                "VAEServing",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The Open Inference Protocol (KServe V2) in transport-free terms: each served model as the V2 models
        // NAME.encode/decode/denoise/sample, their tensors, requests checked and turned into engine requests, and
        // results into output tensors (Formats/open-inference.md). The REST and gRPC bindings sit on top of it.
        .target(name: "VAEOpenInference", dependencies: ["VAEImage", "VAEServing"]),
        // The V2 REST binding over HTTP/1.1 (SwiftNIO), with Triton's binary tensor extension, and /metrics.
        .target(
            name: "VAEHTTPTransport",
            dependencies: [
                "VAEJSON", "VAEOpenInference", "VAEServing", "VAETransportSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Triton's model configuration (model_config.proto, Formats/proto/triton): the messages gRPC's ModelConfig
        // answers with and Triton's config.pbtxt files hold, generated by Tools/generate-grpc and committed; no gRPC.
        .target(name: "VAETritonConfigProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Triton's gRPC inference API (inference.GRPCInferenceService, Formats/proto/triton): messages and server and
        // client stubs as generated by Tools/generate-grpc and committed, so no build runs the protoc plugins.
        .target(
            name: "VAEGRPCProto",
            dependencies: [
                "VAETritonConfigProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The V2 gRPC binding (Triton's inference.GRPCInferenceService) over grpc-swift's HTTP/2 transport.
        .target(
            name: "VAEGRPCTransport",
            dependencies: [
                "VAEGRPCProto", "VAEOpenInference", "VAEServing", "VAETransportSupport", "VAETritonConfigProto",
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHPACK", package: "swift-nio-http2"),
                .product(name: "NIOHTTP2", package: "swift-nio-http2"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // ONNX's protobuf messages (onnx.proto, Formats/proto/onnx) as generated by Tools/generate-onnx and committed,
        // so no build runs the protoc plugin.
        .target(name: "VAEONNXProto", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Export to where models are already deployed (Formats/onnx.md): a .vaez model as ONNX graphs of standard
        // operators, and a Triton model repository of them whose config.pbtxt files are Triton's model_config.proto
        // (VAETritonConfigProto) in text format.
        .target(
            name: "VAEExport",
            dependencies: [
                "VAEFiles", "VAEFormat", "VAEJSON", "VAEONNXProto", "VAETritonConfigProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .executableTarget(
            name: "vae",
            dependencies: [
                "VAEAnalysis", "VAECore", "VAEData", "VAEExport", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel",
                "VAENumerics", "VAETraining",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "vaed",
            dependencies: [
                "VAEFormat", "VAEGRPCTransport", "VAEHTTPTransport", "VAELineTransport", "VAENumerics", "VAEProtocol",
                "VAEServing", "VAETransportSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The client side: a blocking JSON-RPC connection, image inputs, the load generator. No NIO, no numeric core
        // (so neither oneDNN nor libgomp is linked into vaectl).
        .target(
            name: "VAEClient", dependencies: ["VAECore", "VAEData", "VAEFiles", "VAEImage", "VAEJSON", "VAEProtocol"]),
        .executableTarget(
            name: "vaectl",
            dependencies: [
                "VAEClient", "VAECore", "VAEData", "VAEFiles", "VAEImage", "VAEJSON", "VAEProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .target(
            name: "VAETestSupport",
            dependencies: ["VAECore", "VAEData", "VAEFiles", "VAEFormat", "VAEImage", "VAEModel"],
            path: "Tests/VAETestSupport"
        ),
        .testTarget(name: "VAECoreTests", dependencies: ["VAECore"]),
        .testTarget(name: "VAEFilesTests", dependencies: ["VAEFiles", "VAETestSupport"]),
        .testTarget(name: "VAEJSONTests", dependencies: ["VAEJSON"]),
        .testTarget(name: "VAENumericsTests", dependencies: ["VAECore", "VAENumerics"]),
        .testTarget(name: "VAEModelTests", dependencies: ["VAECore", "VAEModel", "VAENumerics", "VAETestSupport"]),
        // A JPEG encoder (libjpeg) that writes the JPEG reader's test inputs.
        .target(name: "CJPEGTestEncoder", path: "Tests/CJPEGTestEncoder", linkerSettings: [.linkedLibrary("jpeg")]),
        .testTarget(
            name: "VAEDataTests",
            dependencies: [
                "CJPEGTestEncoder", "CZip", "VAECore", "VAEData", "VAEDataImport", "VAEFiles", "VAEImage",
                "VAETestSupport",
            ]
        ),
        .testTarget(name: "VAEImageTests", dependencies: ["VAECore", "VAEImage", "VAETestSupport"]),
        .testTarget(
            name: "VAEFormatTests",
            dependencies: ["VAECore", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel", "VAETestSupport"]
        ),
        .testTarget(
            name: "VAETrainingTests",
            dependencies: [
                "VAECore", "VAEFiles", "VAEFormat", "VAEJSON", "VAEModel", "VAENumerics", "VAETestSupport",
                "VAETraining", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "VAEAnalysisTests",
            dependencies: [
                "VAEAnalysis", "VAECore", "VAEData", "VAEImage", "VAEJSON", "VAEModel", "VAENumerics", "VAETestSupport",
            ],
            // scikit-learn's figures (Tools/tests/make_embedding_fixture.py), read by path from the source tree.
            exclude: ["Fixtures"]
        ),
        .testTarget(name: "VAEProtocolTests", dependencies: ["VAEImage", "VAEJSON", "VAEProtocol"]),
        .testTarget(
            name: "VAEServingTests",
            dependencies: [
                "VAEFormat", "VAEModel", "VAENumerics", "VAEServing", "VAETestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "VAELineTransportTests",
            dependencies: [
                "VAEImage", "VAEJSON", "VAELineTransport", "VAEModel", "VAENumerics", "VAEServing", "VAETestSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
            ]
        ),
        .testTarget(
            name: "VAEGRPCProtoTests",
            dependencies: ["VAEGRPCProto", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .testTarget(
            name: "VAEClientTests",
            dependencies: ["VAEClient", "VAEData", "VAEFiles", "VAEImage", "VAEJSON", "VAEProtocol", "VAETestSupport"]
        ),
        .testTarget(
            name: "VAEOpenInferenceTests",
            dependencies: ["VAEModel", "VAEOpenInference", "VAEServing", "VAETestSupport"]
        ),
        .testTarget(
            name: "VAEHTTPTransportTests",
            dependencies: [
                "VAEHTTPTransport", "VAEJSON", "VAEOpenInference", "VAEServing", "VAETestSupport", "VAETransportSupport",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "VAEGRPCTransportTests",
            dependencies: [
                "VAEGRPCProto", "VAEGRPCTransport", "VAEModel", "VAEOpenInference", "VAEServing", "VAETestSupport",
                "VAETransportSupport", .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCInProcessTransport", package: "grpc-swift-2"),
                .product(name: "GRPCNIOTransportHTTP2Posix", package: "grpc-swift-nio-transport"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "VAEExportTests",
            dependencies: [
                "VAECore", "VAEExport", "VAEFiles", "VAEFormat", "VAEModel", "VAEONNXProto", "VAETestSupport",
                "VAETritonConfigProto",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        // The decoders of untrusted bytes as fuzz targets (Tools/fuzz): what each checks per input, shared by the
        // libFuzzer executables below and the regression tests over every input a fuzzer crashed on.
        .target(
            name: "VAEFuzzTargets",
            dependencies: [
                "VAECore", "VAEData", "VAEFiles", "VAEFormat", "VAEGRPCProto", "VAEGRPCTransport", "VAEHTTPTransport",
                "VAEImage", "VAEJSON", "VAELineTransport", "VAEModel", "VAEOpenInference", "VAEProtocol", "VAEServing",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/Fuzz/VAEFuzzTargets"
        ),
        .testTarget(name: "VAEFuzzTargetsTests", dependencies: ["VAEFuzzTargets"]),
        // Run the built executables as a user would: vae; vaed; vaectl against a built vaed.
        .testTarget(name: "VAECommandTests", dependencies: ["VAEFiles", "VAEImage", "VAETestSupport"]),
        .testTarget(name: "VaedTests", dependencies: ["VAECore", "VAEFormat", "VAENumerics", "VAETestSupport"]),
        .testTarget(
            name: "VaectlTests", dependencies: ["VAEData", "VAEFiles", "VAEFormat", "VAEImage", "VAETestSupport"]),
    ]
)

// libFuzzer executables, one per target in VAEFuzzTargets, declared only for Tools/fuzz (VAE_FUZZ=1): each has no
// `main` of its own (libFuzzer's), so it links only in a build with `--sanitize=fuzzer`.
if Context.environment["VAE_FUZZ"] == "1" {
    for name in [
        "FuzzJSON", "FuzzRPCLine", "FuzzImagePayload", "FuzzVAEZ", "FuzzSafetensors", "FuzzIDX", "FuzzV2Infer",
        "FuzzGRPCInfer",
    ] {
        package.targets.append(
            .executableTarget(name: name, dependencies: ["VAEFuzzTargets"], path: "Tests/Fuzz/Entry/\(name)"))
    }
}

