extension StringProtocol {
    /// The text without leading and trailing ASCII whitespace (space, tab, CR, LF): header values, token files,
    /// kernel files. By hand because the daemon links FoundationEssentials only, whose strings cannot trim.
    package var trimmingASCIIWhitespace: SubSequence {
        // "\r\n" is one Character in Swift, so it is named as well as its parts.
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return self[endIndex...]
        }
        return self[first...last]
    }
}
