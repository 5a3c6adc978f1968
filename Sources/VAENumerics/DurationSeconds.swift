extension Duration {
    /// The duration in seconds as a Double (whole seconds plus the attosecond part).
    package var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
