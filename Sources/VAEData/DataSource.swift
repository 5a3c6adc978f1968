/// Where a dataset read from the user's own files came from and how it was read: the provenance a trained model
/// records, and what `vae train --data` needs to read the same split again.
package struct DataSource: Sendable, Equatable {
    /// The kinds of file and folder that `--data` reads.
    package enum Format: String, Sendable, Equatable, CaseIterable {
        /// A folder of PNG and JPEG files (class subfolders optional, a `test/` subfolder optional).
        case imageFolder = "image-folder"
        /// One NumPy array (`.npy`).
        case npy
        /// NumPy arrays in a zip (`.npz`), keras style (`x_train`, `y_train`, `x_test`, `y_test`) or `x`, `y`.
        case npz
        /// A table with a header row (`.csv`).
        case csv

        /// "a folder of images", "an .npy array", … for messages.
        package var description: String {
            switch self {
            case .imageFolder: "a folder of images"
            case .npy: "an .npy array"
            case .npz: "an .npz archive"
            case .csv: "a .csv table"
            }
        }
    }

    /// An image size, height first.
    package struct Size: Sendable, Equatable, Codable, CustomStringConvertible {
        package var height: Int
        package var width: Int

        package init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }

        /// `28x28` (height × width), as `--resize` takes it.
        package var description: String { "\(height)x\(width)" }
    }

    package var format: Format
    /// The file or folder read.
    package var path: String
    /// The held-out split's own folder or arrays (`folder/test`, `x_test` in an .npz), when the data has one.
    package var testPath: String?
    /// The fraction of the items held out for testing, when the data has no test split of its own.
    package var testFraction: Double?
    /// Seeds the fraction split (the training seed).
    package var seed: UInt64
    /// The CSV column that holds the class labels.
    package var labelColumn: String?
    /// The size every image was resampled to.
    package var resize: Size?
    /// Values per pixel of the images as stored: 1 (grey) or 3 (RGB); nil for a table.
    package var channels: Int?

    package init(
        format: Format, path: String, testPath: String? = nil, testFraction: Double? = nil, seed: UInt64,
        labelColumn: String? = nil, resize: Size? = nil, channels: Int? = nil
    ) {
        self.format = format
        self.path = path
        self.testPath = testPath
        self.testFraction = testFraction
        self.seed = seed
        self.labelColumn = labelColumn
        self.resize = resize
        self.channels = channels
    }
}
