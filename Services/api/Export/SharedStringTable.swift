/// The workbook's shared strings: each distinct text stored once, cells referring to it by index.
///
/// Tickers, names and sectors repeat on every session, so sharing them keeps a ten-year export several times
/// smaller than inline strings would, and it is how Excel itself writes text.
struct SharedStringTable {
    /// Distinct strings in first-use order; a cell's value is its index here.
    private(set) var strings: [String] = []
    /// Index of each distinct string.
    private var indices: [String: Int] = [:]
    /// Cells referring to the table, for the `count` attribute.
    private(set) var references = 0

    /// The index of `string`, adding it on first use.
    mutating func index(of string: String) -> Int {
        references += 1
        if let index = indices[string] { return index }
        let index = strings.count
        strings.append(string)
        indices[string] = index
        return index
    }

    /// `xl/sharedStrings.xml`.
    func xml() -> [UInt8] {
        let textBytes = strings.reduce(0) { $0 + $1.utf8.count }
        var buffer = ByteWriter(capacity: textBytes + strings.count * 48 + 512)
        buffer.append(XLSXParts.xmlDeclaration)
        buffer.append("<sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" count=\"")
        buffer.append(decimal: references)
        buffer.append("\" uniqueCount=\"")
        buffer.append(decimal: strings.count)
        buffer.append("\">")
        for string in strings {
            // Without xml:space="preserve" readers may drop leading and trailing whitespace.
            if let first = string.unicodeScalars.first, let last = string.unicodeScalars.last,
                first.properties.isWhitespace || last.properties.isWhitespace
            {
                buffer.append("<si><t xml:space=\"preserve\">")
            } else {
                buffer.append("<si><t>")
            }
            buffer.append(xmlEscaped: string)
            buffer.append("</t></si>")
        }
        buffer.append("</sst>")
        return buffer.bytes
    }
}
