/// The shape of one input image.
public struct ImageShape: Sendable, Hashable, Codable {
    public var height: Int
    public var width: Int
    public var channels: Int

    public init(height: Int, width: Int, channels: Int = 1) {
        self.height = height
        self.width = width
        self.channels = channels
    }

    /// Values per image: height × width × channels.
    public var pixelCount: Int { height * width * channels }
}
