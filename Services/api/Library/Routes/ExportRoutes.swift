import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import Resilience
import SpreadsheetExport
import TradingCalendar

/// `POST /export-data`: performance, compositions and changes of a range as an xlsx (default), csv or json file.
struct ExportRoutes: Sendable {
    let reader: any IndexReader
    let directory: IndexDirectory
    let rules: DateRules
    /// The longest export, in days: about ten years of compositions (100 rows a session).
    static let maximumDays = 3_700
    private static let renderQueue = DispatchQueue(label: "api.export", attributes: .concurrent)

    struct ExportRequest: Decodable {
        var startDate: String?
        var endDate: String?
        var format: String?
        var index: String?

        enum CodingKeys: String, CodingKey {
            case startDate = "start_date"
            case endDate = "end_date"
            case format, index
        }
    }

    func register(on router: Router<APIRequestContext>) {
        router.post("/export-data") { request, _ in try await export(request) }
    }

    private func export(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(ExportRequest.self, from: request)
        let index = try await directory.resolve(body.index)
        let format = try ExportFormat(body.format)
        guard body.startDate != nil else { throw APIError.invalid("start_date is required (YYYY-MM-DD)") }
        let range = try rules.range(start: body.startDate, end: body.endDate, maximumDays: Self.maximumDays)
        let data = try await ExportData.gather(reader: reader, index: index, range: range)
        // A ten-year workbook takes seconds of CPU: off the event loops and the concurrency pool.
        let file = try await runBlocking(on: Self.renderQueue) { try format.render(data) }
        let filename = "\(index)_\(range.start)_\(range.end).\(format.rawValue)"
        let headers: HTTPFields = [
            .contentType: format.contentType, .contentDisposition: "attachment; filename=\"\(filename)\"",
        ]
        // An xlsx is a zip already.
        if format == .xlsx {
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: file)))
        }
        return ContentEncoding.response(request, headers: headers, body: ByteBuffer(bytes: file))
    }
}

/// The export file formats.
enum ExportFormat: String, CaseIterable {
    case xlsx, csv, json

    /// `format` of the request; absent means xlsx.
    init(_ text: String?) throws {
        guard let text else {
            self = .xlsx
            return
        }
        guard let format = ExportFormat(rawValue: text.lowercased()) else {
            throw APIError.invalid("format '\(text)' is not one of xlsx, csv, json")
        }
        self = format
    }

    var contentType: String {
        switch self {
        case .xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case .csv: "text/csv; charset=utf-8"
        case .json: "application/json"
        }
    }
}

/// What an export holds, read from storage.
struct ExportData: Sendable {
    var index: String
    var range: DateRange
    var performance: PerformanceBody
    var compositions: [(date: SessionDate, members: [CompositionBody.Member])]
    var changes: ChangesBody
    /// The index's definition (nil only when it was removed while the export was read).
    var definition: StoredDefinition?

    /// Reads the range in four storage requests, however long it is: levels, every session's composition (one
    /// range query, its reply in parts when large) and the changes.
    static func gather(reader: any IndexReader, index: String, range: DateRange) async throws -> ExportData {
        let points = try await reader.performance(index: index, range: range)
        let changes = try await reader.changes(index: index, range: range)
        let stored = try await reader.compositions(index: index, range: range)
        let definition = try await reader.definitions(id: index).first
        var byDate: [SessionDate: [ConstituentDetail]] = [:]
        byDate.reserveCapacity(stored.count)
        for session in stored { byDate[session.date] = session.constituents }
        // Every level has its composition; a session stored between the two reads has none yet, and is empty.
        let compositions = points.map { point in
            (
                date: point.date,
                members: CompositionBody(
                    date: point.date, asOf: point.date, constituents: byDate[point.date] ?? []
                ).constituents
            )
        }
        return ExportData(
            index: index, range: range, performance: PerformanceBody(points: points), compositions: compositions,
            changes: ChangesBody(changes: changes), definition: definition
        )
    }
}

extension ExportFormat {
    func render(_ data: ExportData) throws -> Data {
        switch self {
        case .json:
            return Data(try JSONBody.encoder.encode(JSONExport(data)))
        case .csv:
            return data.spreadsheet.csv()
        case .xlsx:
            do {
                return try data.spreadsheet.xlsx()
            } catch {
                // Only limits the data cannot reach in a bounded range (a million rows, long text) end here.
                throw APIError(.unprocessableContent, code: "export_too_large", message: error.description)
            }
        }
    }
}

extension ExportData {
    /// The tables of the csv and xlsx files.
    var spreadsheet: IndexExport {
        let summary = performance.summary
        var entries: [IndexExport.SummaryEntry] = [
            .init(key: "index", value: .text(index)),
            .init(key: "start_date", value: summary.startDate.map { .date($0) } ?? .none),
            .init(key: "end_date", value: summary.endDate.map { .date($0) } ?? .none),
            .init(key: "sessions", value: .integer(summary.sessions)),
            .init(key: "total_return", value: summary.totalReturn.map { .number($0) } ?? .none),
            .init(key: "annualized_return", value: summary.annualizedReturn.map { .number($0) } ?? .none),
            .init(key: "annualized_volatility", value: summary.annualizedVolatility.map { .number($0) } ?? .none),
            .init(key: "sharpe", value: summary.sharpe.map { .number($0) } ?? .none),
            .init(key: "sortino", value: summary.sortino.map { .number($0) } ?? .none),
            .init(key: "max_drawdown", value: summary.maxDrawdown.map { .number($0) } ?? .none),
            .init(key: "turnover", value: summary.turnover.map { .number($0) } ?? .none),
            .init(key: "turnover_per_rebalance", value: summary.turnoverPerRebalance.map { .number($0) } ?? .none),
            .init(key: "risk_free_rate", value: .number(summary.riskFreeRate)),
        ]
        entries.append(.init(key: "best_session_date", value: summary.bestSession.map { .date($0.date) } ?? .none))
        entries.append(
            .init(key: "best_session_return", value: summary.bestSession.map { .number($0.dailyReturn) } ?? .none))
        entries.append(.init(key: "worst_session_date", value: summary.worstSession.map { .date($0.date) } ?? .none))
        entries.append(
            .init(key: "worst_session_return", value: summary.worstSession.map { .number($0.dailyReturn) } ?? .none)
        )
        return IndexExport(
            performance: performance.performance.map {
                .init(
                    date: $0.date, level: $0.level, dailyReturn: $0.dailyReturn, cumulativeReturn: $0.cumulativeReturn)
            },
            compositions: compositions.flatMap { session in
                session.members.map {
                    .init(
                        date: session.date, rank: $0.rank, ticker: $0.ticker, name: $0.name, sector: $0.sector,
                        weight: $0.weight, marketCap: $0.marketCap, close: $0.close
                    )
                }
            },
            changes: changes.changes.flatMap { change in
                change.added.map {
                    IndexExport.ChangeRow(
                        date: change.date, change: .added, ticker: $0.ticker, rank: $0.rank, marketCap: $0.marketCap)
                }
                    + change.removed.map {
                        IndexExport.ChangeRow(
                            date: change.date, change: .removed, ticker: $0.ticker, rank: $0.rank,
                            marketCap: $0.marketCap
                        )
                    }
            },
            summary: entries, definition: definitionEntries
        )
    }

    /// The Definition sheet: the definition's fields by their JSON names, lists joined by ", ".
    var definitionEntries: [IndexExport.SummaryEntry] {
        guard let stored = definition else { return [] }
        let definition = stored.definition
        return [
            .init(key: "id", value: .text(definition.id)),
            .init(key: "name", value: .text(definition.name)),
            .init(key: "size", value: .integer(definition.size)),
            .init(key: "universe.sectors", value: .text(definition.universe.sectors.joined(separator: ", "))),
            .init(key: "universe.exchanges", value: .text(definition.universe.exchanges.joined(separator: ", "))),
            .init(key: "weighting", value: .text(definition.weighting.rawValue)),
            .init(key: "cap", value: definition.cap.map { .number($0) } ?? .none),
            .init(key: "rebalance", value: .text(definition.rebalance.rawValue)),
            .init(key: "buffer", value: .integer(definition.buffer)),
            .init(key: "return", value: .text(definition.returnKind.rawValue)),
            .init(key: "base_level", value: .number(definition.baseLevel)),
            .init(key: "built_in", value: .text(stored.builtIn ? "true" : "false")),
        ]
    }
}

/// The json export: the query answers side by side.
struct JSONExport: Encodable {
    struct Composition: Encodable {
        var date: SessionDate
        var constituents: [CompositionBody.Member]
    }

    var index: String
    var startDate: SessionDate
    var endDate: SessionDate
    var performance: [PerformanceBody.Point]
    var summary: PerformanceBody.Summary
    var compositions: [Composition]
    var changes: [ChangesBody.Change]
    var definition: DefinitionBody?

    enum CodingKeys: String, CodingKey {
        case index
        case startDate = "start_date"
        case endDate = "end_date"
        case performance, summary, compositions, changes, definition
    }

    init(_ data: ExportData) {
        index = data.index
        startDate = data.range.start
        endDate = data.range.end
        performance = data.performance.performance
        summary = data.performance.summary
        compositions = data.compositions.map { Composition(date: $0.date, constituents: $0.members) }
        changes = data.changes.changes
        definition = data.definition.map { DefinitionBody($0) }
    }
}
