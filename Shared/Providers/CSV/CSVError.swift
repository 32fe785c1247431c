/// A CSV file that cannot be read: which file, which 1-based line, and what is wrong with it.
package struct CSVError: Error, Equatable, CustomStringConvertible {
    /// The file's name (its last path component).
    package var file: String
    /// The 1-based line where the offending record starts (1 for the header); 0 when the file cannot be read.
    package var line: Int
    /// What is wrong, e.g. `field 6 (close) "12,3x" is not a number`.
    package var message: String

    /// An error at `file:line`.
    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `file:line: message`, e.g. `prices.csv:17: field 6 (close) "12,3x" is not a number`; `file: message` for
    /// errors about the whole file (line 0).
    package var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}
