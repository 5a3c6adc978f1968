/// What `body` throws, as text; empty when it throws nothing.
package func thrownMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return ""
    } catch {
        return "\(error)"
    }
}
