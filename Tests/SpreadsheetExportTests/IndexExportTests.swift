import Foundation
import SpreadsheetExport
import TestSupport
import Testing
import TradingCalendar

/// The export's xlsx and CSV carry every value of the model, in the documented sheets and layout.
@Suite struct IndexExportTests {
    /// A small export with the awkward cases: missing names and sectors, changes without rank or market cap,
    /// text that needs escaping, and summary values of every type.
    static let sample: IndexExport = {
        let first = SessionDate(year: 2024, month: 2, day: 27)!
        let dates = [first, first.adding(days: 1), first.adding(days: 2), first.adding(days: 5)]
        var level = 1000.0
        var performance: [IndexExport.PerformanceRow] = []
        for (offset, date) in dates.enumerated() {
            let daily = offset == 0 ? 0 : [0.012_345_678_901_234_5, -0.003_3, 1.0 / 7][offset - 1]
            level *= 1 + daily
            performance.append(.init(date: date, level: level, dailyReturn: daily, cumulativeReturn: level / 1000 - 1))
        }
        let companies: [(String, String?, String?)] = [
            ("AAPL", "Apple Inc.", "Information Technology"), ("T", "AT&T Inc.", "Communication, \"Telecom\""),
            ("BRK.B", nil, nil), ("NEW", "Line\nBreak <Corp>", "Energy"),
        ]
        var compositions: [IndexExport.CompositionRow] = []
        for date in dates {
            for (rank, company) in companies.enumerated() {
                compositions.append(
                    .init(
                        date: date, rank: rank + 1, ticker: company.0, name: company.1, sector: company.2,
                        weight: 1.0 / 4, marketCap: 3.1e12 / Double(rank + 1) + 0.25, close: 187.68 + Double(rank)
                    )
                )
            }
        }
        let changes: [IndexExport.ChangeRow] = [
            .init(date: dates[1], change: .added, ticker: "NEW", rank: 4, marketCap: 1.234_567_890_123e10),
            .init(date: dates[1], change: .removed, ticker: "OLD", rank: nil, marketCap: nil),
        ]
        let summary: [IndexExport.SummaryEntry] = [
            .init(key: "index", value: .text("equal-weight-top-100")),
            .init(key: "sessions", value: .integer(4)),
            .init(key: "start_date", value: .date(dates[0])),
            .init(key: "total_return", value: .number(level / 1000 - 1)),
            .init(key: "annualized_volatility", value: .number(0.187_654_321)),
            .init(key: "max_drawdown", value: .number(-0.003_3)),
            .init(key: "best_session_return", value: .none),
        ]
        let definition: [IndexExport.SummaryEntry] = [
            .init(key: "id", value: .text("tech10")),
            .init(key: "size", value: .integer(10)),
            .init(key: "cap", value: .number(0.2)),
            .init(key: "universe.exchanges", value: .text("")),
        ]
        return IndexExport(
            performance: performance, compositions: compositions, changes: changes, summary: summary,
            definition: definition
        )
    }()

    /// The sheets an export must produce, written out field by field from the model.
    static func expectedSheets(_ export: IndexExport) -> [ReadSheet] {
        func text(_ value: String?) -> ReadCell { value.map { .string($0) } ?? .none }
        func number(_ value: Double?) -> ReadCell { value.map { .float($0.bitPattern) } ?? .none }
        func integer(_ value: Int?) -> ReadCell { value.map { .integer($0) } ?? .none }
        func header(_ names: [String]) -> [ReadCell] { names.map { .string($0) } }
        let performance = export.performance.map {
            [.date($0.date.description), number($0.level), number($0.dailyReturn), number($0.cumulativeReturn)]
        }
        let compositions = export.compositions.map {
            [
                .date($0.date.description), integer($0.rank), text($0.ticker), text($0.name), text($0.sector),
                number($0.weight), number($0.marketCap), number($0.close),
            ]
        }
        let changes = export.changes.map {
            [
                .date($0.date.description), text($0.change.rawValue), text($0.ticker), integer($0.rank),
                number($0.marketCap),
            ]
        }
        func keyValue(_ entry: IndexExport.SummaryEntry) -> [ReadCell] {
            let value: ReadCell =
                switch entry.value {
                case .number(let value): number(value)
                case .integer(let value): integer(value)
                case .date(let date): .date(date.description)
                case .text(let value): text(value)
                case .none: .none
                }
            return [text(entry.key), value]
        }
        let summary = export.summary.map(keyValue)
        let definition = export.definition.map(keyValue)
        return [
            ReadSheet(
                name: "Performance",
                rows: [header(["date", "level", "daily_return", "cumulative_return"])] + performance,
                frozen: "A2", dateFormats: ["yyyy-mm-dd"]
            ),
            ReadSheet(
                name: "Compositions",
                rows: [header(["date", "rank", "ticker", "name", "sector", "weight", "market_cap", "close"])]
                    + compositions,
                frozen: "A2", dateFormats: ["yyyy-mm-dd"]
            ),
            ReadSheet(
                name: "Changes", rows: [header(["date", "change", "ticker", "rank", "market_cap"])] + changes,
                frozen: "A2", dateFormats: ["yyyy-mm-dd"]
            ),
            ReadSheet(
                name: "Summary", rows: [header(["metric", "value"])] + summary, frozen: "A2",
                dateFormats: ["yyyy-mm-dd"]
            ),
            ReadSheet(
                name: "Definition", rows: [header(["field", "value"])] + definition, frozen: "A2",
                dateFormats: []  // no date among its values
            ),
        ]
    }

    @Test func xlsxHasTheFiveSheetsWithEveryValue() throws {
        let read = try ExternalReader.openpyxlSheets(Self.sample.xlsx())

        #expect(read.map(\.name) == ["Performance", "Compositions", "Changes", "Summary", "Definition"])
        let expected = Self.expectedSheets(Self.sample)
        for (got, want) in zip(read, expected) {
            #expect(got.rows.count == want.rows.count, "\(want.name)")
            for (index, (gotRow, wantRow)) in zip(got.rows, want.rows).enumerated() where gotRow != wantRow {
                Issue.record("\(want.name) row \(index + 1): read \(gotRow), wrote \(wantRow)")
            }
            #expect(got.frozen == want.frozen)
            #expect(got.dateFormats == want.dateFormats, "\(want.name)")
        }
    }

    @Test func anEmptyExportStillHasHeaders() throws {
        let empty = IndexExport(performance: [], compositions: [], changes: [], summary: [])

        let read = try ExternalReader.openpyxlSheets(empty.xlsx())

        #expect(read.map(\.name) == IndexExport.sheetNames)
        #expect(read.map { $0.rows.count } == [1, 1, 1, 1, 1])
        #expect(read[0].rows[0] == ["date", "level", "daily_return", "cumulative_return"].map { .string($0) })
    }

    @Test func csvHasOneHeaderAndASectionColumn() throws {
        let records = try ExternalReader.csvRecords(Self.sample.csv())

        let columns = [
            "section", "date", "level", "daily_return", "cumulative_return", "rank", "ticker", "name", "sector",
            "weight", "market_cap", "close", "change", "metric", "value", "field",
        ]
        #expect(IndexExport.csvColumns == columns)
        try #require(records.first == columns)
        // Every record has every column, so the file is one rectangular RFC 4180 table.
        #expect(records.allSatisfy { $0.count == columns.count })

        func record(_ section: String, _ fields: [String: String]) -> [String] {
            columns.map { $0 == "section" ? section : fields[$0] ?? "" }
        }
        let export = Self.sample
        var expected = [columns]
        expected += export.performance.map {
            record(
                "performance",
                [
                    "date": $0.date.description, "level": "\($0.level)", "daily_return": "\($0.dailyReturn)",
                    "cumulative_return": "\($0.cumulativeReturn)",
                ])
        }
        expected += export.compositions.map {
            record(
                "composition",
                [
                    "date": $0.date.description, "rank": "\($0.rank)", "ticker": $0.ticker, "name": $0.name ?? "",
                    "sector": $0.sector ?? "", "weight": "\($0.weight)", "market_cap": "\($0.marketCap)",
                    "close": "\($0.close)",
                ])
        }
        expected += export.changes.map {
            record(
                "change",
                [
                    "date": $0.date.description, "change": $0.change.rawValue, "ticker": $0.ticker,
                    "rank": $0.rank.map { "\($0)" } ?? "", "market_cap": $0.marketCap.map { "\($0)" } ?? "",
                ])
        }
        expected += [
            record("summary", ["metric": "index", "value": "equal-weight-top-100"]),
            record("summary", ["metric": "sessions", "value": "4"]),
            record("summary", ["metric": "start_date", "value": "2024-02-27"]),
            record("summary", ["metric": "total_return", "value": "\(export.performance.last!.level / 1000 - 1)"]),
            record("summary", ["metric": "annualized_volatility", "value": "0.187654321"]),
            record("summary", ["metric": "max_drawdown", "value": "-0.0033"]),
            record("summary", ["metric": "best_session_return", "value": ""]),
            record("definition", ["field": "id", "value": "tech10"]),
            record("definition", ["field": "size", "value": "10"]),
            record("definition", ["field": "cap", "value": "0.2"]),
            record("definition", ["field": "universe.exchanges", "value": ""]),
        ]
        #expect(records.count == expected.count)
        for (got, want) in zip(records, expected) where got != want {
            Issue.record("read \(got), wrote \(want)")
        }
    }

    @Test func csvNumbersParseBackToTheSameDoubles() throws {
        let records = try ExternalReader.csvRecords(Self.sample.csv())
        let marketCapColumn = try #require(IndexExport.csvColumns.firstIndex(of: "market_cap"))

        let parsed = records.filter { $0[0] == "composition" }.map { Double($0[marketCapColumn])?.bitPattern }

        #expect(parsed == Self.sample.compositions.map { $0.marketCap.bitPattern })
    }
}
