import Foundation

extension IndexExport {
    /// The CSV header: a `section` column, then the union of the five tables' columns in table order.
    ///
    /// One rectangular table rather than five blocks: RFC 4180 wants one header and the same number of fields on
    /// every line, and this way any CSV reader loads the whole export and filters on `section` (`performance`,
    /// `composition`, `change`, `summary`, `definition`). Columns a section does not have stay empty; `date`,
    /// `rank`, `ticker`, `market_cap` and `value` are shared by the sections that have them.
    package static let csvColumns: [String] = {
        var columns = ["section"]
        for name in performanceColumns + compositionColumns + changeColumns + summaryColumns + definitionColumns
        where !columns.contains(name) {
            columns.append(name)
        }
        return columns
    }()

    /// The `section` value of each table's rows.
    package static let csvSections = ["performance", "composition", "change", "summary", "definition"]

    /// The export as one CSV document (see `csvColumns` for the layout), UTF-8 with CRLF line ends.
    package func csv() -> Data {
        let rowCount = performance.count + compositions.count + changes.count + summary.count + definition.count
        var writer = CSVWriter(capacity: 4096 + rowCount * 96)
        writer.appendRow(Self.csvColumns)
        let positions = Dictionary(uniqueKeysWithValues: Self.csvColumns.enumerated().map { ($1, $0) })
        for (section, (columns, rows)) in zip(Self.csvSections, tables) {
            let targets = columns.map { positions[$0]! }
            var line = [WorksheetCell](repeating: .empty, count: Self.csvColumns.count)
            line[0] = .string(section)
            for row in rows {
                for (target, cell) in zip(targets, row) { line[target] = cell }
                writer.appendRow(line)
            }
        }
        return writer.data
    }
}
