import TradingCalendar

// The five tables as header plus typed rows, shared by the xlsx and CSV writers so both always agree.
extension IndexExport {
    /// Column headers of the Performance table (the JSON keys of `GET /index-performance`).
    package static let performanceColumns = ["date", "level", "daily_return", "cumulative_return"]
    /// Column headers of the Compositions table (the JSON keys of `GET /index-composition`, plus the date).
    package static let compositionColumns = [
        "date", "rank", "ticker", "name", "sector", "weight", "market_cap", "close",
    ]
    /// Column headers of the Changes table.
    package static let changeColumns = ["date", "change", "ticker", "rank", "market_cap"]
    /// Column headers of the Summary table.
    package static let summaryColumns = ["metric", "value"]
    /// Column headers of the Definition table.
    package static let definitionColumns = ["field", "value"]

    /// The Performance rows as cells, in `performanceColumns` order.
    var performanceCells: [[WorksheetCell]] {
        performance.map { [.date($0.date), .number($0.level), .number($0.dailyReturn), .number($0.cumulativeReturn)] }
    }

    /// The Compositions rows as cells, in `compositionColumns` order.
    var compositionCells: [[WorksheetCell]] {
        compositions.map {
            [
                .date($0.date), .integer($0.rank), .string($0.ticker), .string($0.name), .string($0.sector),
                .number($0.weight), .number($0.marketCap), .number($0.close),
            ]
        }
    }

    /// The Changes rows as cells, in `changeColumns` order.
    var changeCells: [[WorksheetCell]] {
        changes.map {
            [.date($0.date), .string($0.change.rawValue), .string($0.ticker), .integer($0.rank), .number($0.marketCap)]
        }
    }

    /// The Summary rows as cells, in `summaryColumns` order.
    var summaryCells: [[WorksheetCell]] { Self.keyValueCells(summary) }

    /// The Definition rows as cells, in `definitionColumns` order.
    var definitionCells: [[WorksheetCell]] { Self.keyValueCells(definition) }

    /// The five tables, header and cells, in sheet order.
    var tables: [(columns: [String], cells: [[WorksheetCell]])] {
        [
            (Self.performanceColumns, performanceCells), (Self.compositionColumns, compositionCells),
            (Self.changeColumns, changeCells), (Self.summaryColumns, summaryCells),
            (Self.definitionColumns, definitionCells),
        ]
    }

    /// Key/value entries as two cells each, the value typed.
    private static func keyValueCells(_ entries: [SummaryEntry]) -> [[WorksheetCell]] {
        entries.map { entry in
            let value: WorksheetCell =
                switch entry.value {
                case .number(let number): .number(number)
                case .integer(let integer): .integer(integer)
                case .date(let date): .date(date)
                case .text(let text): .string(text)
                case .none: .empty
                }
            return [.string(entry.key), value]
        }
    }
}
