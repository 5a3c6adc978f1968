import VAEJSON

/// Builds response lines (each ends in \n), written straight into bytes.
public enum RPCResponse {
    /// `{"jsonrpc":"2.0","id":…,"result":…}` where `result` writes the result value.
    public static func success(id: RPCID, _ result: (inout JSONWriter) -> Void) -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writeSuccess(id: id, into: &writer, result)
        writer.byte(0x0A)
        return writer.bytes
    }

    /// `{"jsonrpc":"2.0","id":…,"error":{…}}`.
    public static func failure(id: RPCID, _ error: RPCError) -> [UInt8] {
        var writer = JSONWriter(capacity: 256)
        writeFailure(id: id, error, into: &writer)
        writer.byte(0x0A)
        return writer.bytes
    }

    public static func writeSuccess(id: RPCID, into writer: inout JSONWriter, _ result: (inout JSONWriter) -> Void) {
        writer.raw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.value(id.json)
        writer.raw(",\"result\":")
        result(&writer)
        writer.byte(UInt8(ascii: "}"))
    }

    public static func writeFailure(id: RPCID, _ error: RPCError, into writer: inout JSONWriter) {
        writer.raw("{\"jsonrpc\":\"2.0\",\"id\":")
        writer.value(id.json)
        writer.raw(",\"error\":")
        error.write(to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }
}
