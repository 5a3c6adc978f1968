import ArgumentParser
import VAEData
import VAEExport
import VAEFormat
import VAEModel
import VAETraining

// The libraries' enums as option values: argument-parser parses them, lists their values in --help and refuses
// any other as a usage error (exit 64), so the commands get typed values rather than strings to check later.

/// `mnist` or `fashion-mnist`; also the seed project's `MNIST` and `FashionMNIST`, in any case
/// (`DatasetKind.init(argument:)`).
extension DatasetKind: ExpressibleByArgument {}

/// `vae` or `ae`, in any case.
extension Architecture.Kind: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// `constant` or `cosine`.
extension LearningRateSchedule: ExpressibleByArgument {}

/// `bernoulli` or `gaussian`, in any case.
extension Likelihood: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.lowercased()) }
}

/// A tensor dtype by its name, as `--dtype` takes it: `TensorDType`'s raw value is the file format's code, and
/// argument-parser shows a raw value as an option's default.
enum DTypeName: String, ExpressibleByArgument, CaseIterable {
    case f32, f16, bf16, int8

    var dtype: TensorDType {
        switch self {
        case .f32: .f32
        case .f16: .f16
        case .bf16: .bf16
        case .int8: .int8
        }
    }
}

/// `encoder`, `decoder` or `denoise`: which graph `vae convert … .onnx --part` writes.
extension ModelPart: ExpressibleByArgument {}

/// `flat` (`x: float32[N, H*W]`) or `images` (vaed's V2 tensors, `images: float32[N, H, W]`).
extension GraphInterface: ExpressibleByArgument {}
