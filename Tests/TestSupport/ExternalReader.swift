import Foundation
import SpreadsheetExport
import TradingCalendar

/// A cell as an independent reader (openpyxl, Python's csv module) saw it.
package enum ReadCell: Equatable, Decodable, CustomStringConvertible {
    case none
    case string(String)
    case integer(Int)
    /// A float compared by bit pattern, so "equal" means the exact same double.
    case float(UInt64)
    case date(String)
    case other(String)

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .none
            return
        }
        let object = try container.decode([String: String].self)
        guard object.count == 1, let (kind, text) = object.first else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected one key: \(object)")
        }
        switch kind {
        case "str": self = .string(text)
        case "int":
            guard let value = Int(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad int \(text)")
            }
            self = .integer(value)
        case "float":
            guard let value = Double(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "bad float \(text)")
            }
            self = .float(value.bitPattern)
        case "date": self = .date(text)
        default: self = .other("\(kind): \(text)")
        }
    }

    /// What a cell written as `cell` must read back as; `text` maps strings (e.g. to drop XML-invalid characters).
    package init(expecting cell: WorksheetCell, text: (String) -> String = { $0 }) {
        switch cell {
        case .empty: self = .none
        case .string(let value): self = .string(text(value))
        case .number(let value): self = value.isFinite ? .float(value.bitPattern) : .none
        case .integer(let value): self = .integer(value)
        case .date(let date): self = .date(date.description)
        }
    }

    package var description: String {
        switch self {
        case .none: "none"
        case .string(let text): "string(\(text.debugDescription))"
        case .integer(let value): "integer(\(value))"
        case .float(let bits): "float(\(Double(bitPattern: bits)))"
        case .date(let text): "date(\(text))"
        case .other(let text): "other(\(text))"
        }
    }
}

/// A sheet as openpyxl read it.
package struct ReadSheet: Decodable, Equatable {
    package var name: String
    package var rows: [[ReadCell]]
    /// openpyxl's `freeze_panes`, e.g. `A2`.
    package var frozen: String?
    /// The number format of every date cell openpyxl saw.
    package var dateFormats: [String]

    /// A sheet.
    package init(name: String, rows: [[ReadCell]], frozen: String?, dateFormats: [String]) {
        self.name = name
        self.rows = rows
        self.frozen = frozen
        self.dateFormats = dateFormats
    }

    enum CodingKeys: String, CodingKey {
        case name, rows, frozen
        case dateFormats = "date_formats"
    }
}

/// Runs Debian's python3 (with python3-openpyxl and the standard csv module) on files the tests write.
package enum ExternalReader {
    /// Debian's interpreter; the pyenv python on PATH lacks the Debian packages.
    package static let python = "/usr/bin/python3"

    /// Dumps every sheet, in order, as typed JSON: dates as ISO dates, numbers by `repr` (round-trip exact).
    package static let openpyxlScript = """
        import datetime, json, sys
        import openpyxl
        workbook = openpyxl.load_workbook(sys.argv[1])
        def cell(value):
            if value is None:
                return None
            if isinstance(value, bool):
                return {"bool": str(value)}
            if isinstance(value, datetime.datetime):
                if value.time() != datetime.time(0):
                    return {"datetime": value.isoformat()}
                return {"date": value.date().isoformat()}
            if isinstance(value, datetime.date):
                return {"date": value.isoformat()}
            if isinstance(value, int):
                return {"int": str(value)}
            if isinstance(value, float):
                return {"float": repr(value)}
            if isinstance(value, str):
                return {"str": value}
            return {type(value).__name__: repr(value)}
        sheets = []
        for sheet in workbook.worksheets:
            rows = [[cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
            formats = sorted({c.number_format for row in sheet.iter_rows() for c in row if c.is_date})
            sheets.append({"name": sheet.title, "rows": rows, "frozen": sheet.freeze_panes, "date_formats": formats})
        json.dump(sheets, sys.stdout)
        """

    /// Parses RFC 4180 CSV with Python's csv module and prints the records as JSON arrays of strings.
    package static let csvScript = """
        import csv, json, sys
        with open(sys.argv[1], newline="", encoding="utf-8") as handle:
            json.dump(list(csv.reader(handle, strict=True)), sys.stdout)
        """

    /// Writes `data` to a temporary file with `fileExtension`, runs `script` on it and returns what it printed.
    package static func run(script: String, on data: Data, fileExtension: String) throws -> Data {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("spreadsheet-export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("export.\(fileExtension)")
        try data.write(to: file)
        let scriptFile = directory.appendingPathComponent("read.py")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [scriptFile.path, file.path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw ReaderFailure(message: "cannot run \(python) (Debian's python3 with python3-openpyxl): \(error)")
        }
        // Read before waiting: a large dump would otherwise fill the pipe and block the child.
        let printed = output.fileHandleForReading.readDataToEndOfFile()
        let complaints = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ReaderFailure(
                message: "\(python) exited with \(process.terminationStatus) (is python3-openpyxl installed?): "
                    + String(decoding: complaints, as: UTF8.self)
            )
        }
        return printed
    }

    /// Every sheet of `xlsx` as openpyxl reads it.
    package static func openpyxlSheets(_ xlsx: Data) throws -> [ReadSheet] {
        try JSONDecoder().decode([ReadSheet].self, from: run(script: openpyxlScript, on: xlsx, fileExtension: "xlsx"))
    }

    /// The records of `csv` as Python's csv module reads them.
    package static func csvRecords(_ csv: Data) throws -> [[String]] {
        try JSONDecoder().decode([[String]].self, from: run(script: csvScript, on: csv, fileExtension: "csv"))
    }
}

/// The external reader failed.
package struct ReaderFailure: Error, CustomStringConvertible {
    package var message: String
    /// A failure.
    package init(message: String) { self.message = message }
    package var description: String { message }
}

/// The rows openpyxl must read for `sheet`: the header, then each row padded with empty cells to the full width.
package func expectedRows(of sheet: Worksheet, text: (String) -> String = { $0 }) -> [[ReadCell]] {
    let width = sheet.columns.count
    let header = sheet.columns.map { ReadCell.string(text($0.header)) }
    return [header]
        + sheet.rows.map { row in
            row.map { ReadCell(expecting: $0, text: text) } + Array(repeating: .none, count: width - row.count)
        }
}
