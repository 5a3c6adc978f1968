extension ModelMetadata {
    /// The canonical JSON text the writer stores (sorted keys, no whitespace), with `created` as recorded.
    public func canonicalJSON() throws -> [UInt8] {
        try VAEZWriter.encodeMetadata(self, created: created)
    }
}
