import VAEJSON

/// Conversions between `ModelMetadata` and its JSON document.
extension ModelMetadata {
    /// Parses and checks a metadata section's raw bytes (step 15): UTF-8, strict JSON, an object, the schema.
    static func parse(_ raw: [UInt8]) throws(VAEZError) -> ModelMetadata {
        if let offset = StrictUTF8.firstInvalidOffset(in: raw) {
            throw VAEZError(.metadataInvalid, "the metadata is not valid UTF-8 (byte \(offset))")
        }
        let document: JSONValue
        do {
            document = try JSONParser(maximumDepth: MetadataSchema.maximumDepth).parse(raw)
        } catch {
            throw VAEZError(.metadataInvalid, "the metadata is not valid JSON: \(error)")
        }
        guard case .object = document else {
            throw VAEZError(
                .metadataInvalid, "the metadata's top level is \(MetadataSchema.summary(document)), not an object")
        }
        try MetadataSchema.check(document)
        return ModelMetadata(checked: document)
    }

    /// Reads the typed fields of a document that passed `MetadataSchema.check`, so every lookup succeeds.
    private init(checked document: JSONValue) {
        func int(_ value: JSONValue?) -> Int? { value?.number?.intValue }
        func double(_ value: JSONValue?) -> Double? { value?.number?.double }
        let arch = document["architecture"]!
        let input = arch["input"]!
        let training = document["training"]!
        let dataset = training["dataset"]!
        let producer = document["producer"]!
        self.init(
            architecture: ArchitectureInfo(
                kind: arch["kind"]!.stringValue == "vae" ? .vae : .ae,
                input: Input(
                    height: int(input["height"])!, width: int(input["width"])!,
                    channels: int(input["channels"])!),
                hidden: arch["hidden"]!.arrayValue!.map { int($0)! }, zDim: int(arch["z_dim"])!,
                activation: arch["activation"]!.stringValue!,
                outputActivation: arch["output_activation"]!.stringValue!),
            training: Training(
                dataset: Dataset(
                    name: dataset["name"]!.stringValue, sha256: dataset["sha256"]!.stringValue,
                    source: dataset["source"].map(Self.source(checked:))),
                classLabel: int(training["class"]), noise: double(training["noise"]), epochs: int(training["epochs"]),
                batchSize: int(training["batch_size"]), lr: double(training["lr"]), seed: int(training["seed"]),
                finalTrainLoss: double(training["final_train_loss"]),
                finalTestLoss: double(training["final_test_loss"]),
                seconds: double(training["seconds"]), threads: int(training["threads"])),
            latent: Latent(
                mean: document["latent"]!["mean"]!.arrayValue!.map { double($0)! },
                std: document["latent"]!["std"]!.arrayValue!.map { double($0)! }),
            producer: Producer(
                name: producer["name"]!.stringValue!, version: producer["version"]!.stringValue!,
                gitCommit: producer["git_commit"]!.stringValue),
            created: document["created"]!.stringValue!,
            data: document["data"].map(Self.data(checked:)),
            document: document)
    }

    /// `training.dataset.source` of a checked document.
    private static func source(checked source: JSONValue) -> Dataset.Source {
        Dataset.Source(
            format: source["format"]!.stringValue!, path: source["path"]!.stringValue!,
            testPath: source["test_path"]!.stringValue, testFraction: source["test_fraction"]!.number?.double,
            splitSeed: source["split_seed"]!.number?.intValue, labelColumn: source["label_column"]!.stringValue,
            resize: source["resize"]!.arrayValue?.map { $0.number!.intValue! },
            channels: source["channels"]!.number?.intValue)
    }

    /// `data` of a checked document.
    private static func data(checked data: JSONValue) -> DataDescription {
        let normalisation = data["normalisation"]!
        return DataDescription(
            kind: DataDescription.Kind(rawValue: data["kind"]!.stringValue!)!,
            likelihood: DataDescription.Likelihood(rawValue: data["likelihood"]!.stringValue!)!,
            variance: data["variance"]!.number?.double,
            normalisation: normalisation == .null
                ? nil
                : DataDescription.Normalisation(
                    mean: normalisation["mean"]!.arrayValue!.map { $0.number!.double },
                    std: normalisation["std"]!.arrayValue!.map { $0.number!.double }),
            features: data["features"]!.arrayValue?.map { $0.stringValue! },
            classes: data["classes"]!.arrayValue?.map { $0.stringValue! })
    }

    /// The JSON object the writer stores: `document` (unknown keys kept) with every known key set from the typed
    /// fields, and `created` as given.
    ///
    /// - Throws: `metadata_invalid` for a NaN or infinite number, which JSON cannot hold.
    func jsonDocument(created: String) throws(VAEZError) -> JSONValue {
        let arch = architecture
        let t = training
        var root = document ?? .object([])
        root = merged(
            root, "architecture",
            [
                ("kind", .string(arch.kind.rawValue)),
                (
                    "input",
                    merged(
                        root["architecture"]?["input"],
                        [
                            ("height", int(arch.input.height)), ("width", int(arch.input.width)),
                            ("channels", int(arch.input.channels)),
                        ])
                ),
                ("hidden", .array(arch.hidden.map { int($0) })),
                ("z_dim", int(arch.zDim)),
                ("activation", .string(arch.activation)),
                ("output_activation", .string(arch.outputActivation)),
            ])
        root = merged(
            root, "training",
            [
                (
                    "dataset",
                    mergedOrRemoved(
                        merged(
                            root["training"]?["dataset"],
                            [("name", string(t.dataset.name)), ("sha256", string(t.dataset.sha256))]),
                        "source", try t.dataset.source.map(sourceMembers))
                ),
                ("class", int(t.classLabel)), ("noise", try double(t.noise, "training.noise")),
                ("epochs", int(t.epochs)), ("batch_size", int(t.batchSize)), ("lr", try double(t.lr, "training.lr")),
                ("seed", int(t.seed)),
                ("final_train_loss", try double(t.finalTrainLoss, "training.final_train_loss")),
                ("final_test_loss", try double(t.finalTestLoss, "training.final_test_loss")),
                ("seconds", try double(t.seconds, "training.seconds")), ("threads", int(t.threads)),
            ])
        root = merged(
            root, "latent",
            [
                ("mean", .array(try latent.mean.map { v throws(VAEZError) in try double(v, "latent.mean") })),
                ("std", .array(try latent.std.map { v throws(VAEZError) in try double(v, "latent.std") })),
            ])
        root = merged(
            root, "producer",
            [
                ("name", .string(producer.name)), ("version", .string(producer.version)),
                ("git_commit", string(producer.gitCommit)),
            ])
        root = root.setting("created", to: .string(created))
        return mergedOrRemoved(root, "data", try data.map { d throws(VAEZError) in try dataMembers(d, root["data"]) })
    }

    /// The members of `data`; `normalisation` keeps the unknown keys it had in `stored`, the `data` read.
    private func dataMembers(_ data: DataDescription, _ stored: JSONValue?) throws(VAEZError) -> [(String, JSONValue)] {
        func strings(_ values: [String]?) -> JSONValue { values.map { .array($0.map(JSONValue.string)) } ?? .null }
        func doubles(_ values: [Double], _ path: String) throws(VAEZError) -> JSONValue {
            .array(try values.map { v throws(VAEZError) in try double(v, path) })
        }
        var normalisation = JSONValue.null
        if let n = data.normalisation {
            normalisation = merged(
                stored?["normalisation"],
                [
                    ("mean", try doubles(n.mean, "data.normalisation.mean")),
                    ("std", try doubles(n.std, "data.normalisation.std")),
                ])
        }
        return [
            ("kind", .string(data.kind.rawValue)), ("likelihood", .string(data.likelihood.rawValue)),
            ("variance", try double(data.variance, "data.variance")), ("normalisation", normalisation),
            ("features", strings(data.features)), ("classes", strings(data.classes)),
        ]
    }

    /// The members of `training.dataset.source`.
    private func sourceMembers(_ source: Dataset.Source) throws(VAEZError) -> [(String, JSONValue)] {
        [
            ("format", .string(source.format)), ("path", .string(source.path)), ("test_path", string(source.testPath)),
            ("test_fraction", try double(source.testFraction, "training.dataset.source.test_fraction")),
            ("split_seed", int(source.splitSeed)), ("label_column", string(source.labelColumn)),
            ("resize", source.resize.map { .array($0.map { int($0) }) } ?? .null), ("channels", int(source.channels)),
        ]
    }

    /// `object[key]` with `members` set, keeping the members it already had.
    private func merged(_ object: JSONValue, _ key: String, _ members: [(String, JSONValue)]) -> JSONValue {
        object.setting(key, to: merged(object[key], members))
    }

    private func merged(_ base: JSONValue?, _ members: [(String, JSONValue)]) -> JSONValue {
        // A known key holding a non-object is replaced whole; otherwise unknown members survive.
        var result: JSONValue = base?.members != nil ? base! : .object([])
        for (key, value) in members { result = result.setting(key, to: value) }
        return result
    }

    /// `object[key]` with `members` set as `merged` does, or `object` without `key` when `members` is nil: an
    /// optional object (1.1) that the typed value no longer has is dropped, unknown keys inside it with it.
    private func mergedOrRemoved(_ object: JSONValue, _ key: String, _ members: [(String, JSONValue)]?) -> JSONValue {
        if let members { return merged(object, key, members) }
        return .object((object.members ?? []).filter { !$0.key.utf8.elementsEqual(key.utf8) })
    }

    private func int(_ value: Int?) -> JSONValue { value.map { .number(JSONNumber($0)) } ?? .null }
    private func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    private func double(_ value: Double?, _ path: String) throws(VAEZError) -> JSONValue {
        guard let value else { return .null }
        guard value.isFinite else { throw VAEZError(.metadataInvalid, "\(path): \(value) cannot be stored in JSON") }
        return .number(JSONNumber(value))
    }
}
