import APIService
import Contracts
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import TestSupport
import Testing
import TradingCalendar

@Suite("Exports")
struct ExportTests {
    static let range = #""start_date": "2024-01-02", "end_date": "2024-01-08""#

    @Test("xlsx by default: five sheets whose dates are dates and numbers the exact stored numbers")
    func xlsx() async throws {
        let api = try TestAPI()
        let response = try await api.test { client in
            try await client.post("/export-data", json: "{\(Self.range)}", headers: [.apiKey: api.key])
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        #expect(response.headers[.contentDisposition] == #"attachment; filename="ew100_2024-01-02_2024-01-08.xlsx""#)
        let sheets = try ExternalReader.openpyxlSheets(Data(response.body.readableBytesView))
        #expect(sheets.map(\.name) == ["Performance", "Compositions", "Changes", "Summary", "Definition"])
        // The Definition sheet: the index's fields, defaults filled in.
        let definition = sheets[4].rows
        #expect(definition.first == [.string("field"), .string("value")])
        #expect(definition.contains([.string("id"), .string("ew100")]))
        #expect(definition.contains([.string("return"), .string("price")]))
        #expect(definition.contains([.string("size"), .integer(100)]))

        let performance = sheets[0].rows
        #expect(performance.count == 6)
        #expect(performance[3][0] == .date("2024-01-04"))
        #expect(performance[3][1] == .float((999.9).bitPattern))
        #expect(performance[3][2] == .float((-0.01).bitPattern))
        #expect(performance[3][3] == .float((999.9 / 1000 - 1).bitPattern))
        #expect(performance[4][1] == .float((1019.898).bitPattern))

        // One composition per session: 2 members x 5 sessions, the 2024-01-05 basket from that day on.
        let compositions = sheets[1].rows.dropFirst()
        #expect(compositions.count == 10)
        let friday = compositions.filter { $0.first == .date("2024-01-05") }
        #expect(friday.count == 2)
        #expect(friday.contains { $0.contains(.string("CCC")) && $0.contains(.float((3.1e12).bitPattern)) })
        #expect(friday.contains { $0.contains(.string("AAA")) && $0.contains(.float((181.18).bitPattern)) })

        let changes = sheets[2].rows.dropFirst()
        #expect(changes.count == 2)
        #expect(changes.allSatisfy { $0.first == .date("2024-01-05") })
        #expect(changes.contains { $0.contains(.string("added")) && $0.contains(.string("CCC")) })
        #expect(changes.contains { $0.contains(.string("removed")) && $0.contains(.string("BBB")) })

        let summary = Dictionary(
            sheets[3].rows.dropFirst().compactMap { row -> (String, ReadCell)? in
                guard case .string(let key) = row.first, row.count > 1 else { return nil }
                return (key, row[1])
            },
            uniquingKeysWith: { $1 }
        )
        #expect(summary["total_return"] == .float((1019.898 / 1000 - 1).bitPattern))
        #expect(summary["max_drawdown"] == .float((999.9 / 1010 - 1).bitPattern))
        #expect(summary["sessions"] == .integer(5))
        #expect(summary["best_session_date"] == .date("2024-01-05"))
    }

    @Test("csv: one RFC 4180 table that Python's csv module reads, with every section")
    func csv() async throws {
        let api = try TestAPI()
        let response = try await api.test { client in
            try await client.post(
                "/export-data", json: #"{\#(Self.range), "format": "csv"}"#, headers: [.apiKey: api.key])
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
        #expect(response.headers[.contentDisposition] == #"attachment; filename="ew100_2024-01-02_2024-01-08.csv""#)
        let records = try ExternalReader.csvRecords(Data(response.body.readableBytesView))
        let header = try #require(records.first)
        #expect(header.first == "section")
        #expect(
            Set(records.dropFirst().map { $0[0] }) == ["performance", "composition", "change", "summary", "definition"])
        #expect(records.dropFirst().filter { $0[0] == "performance" }.count == 5)
        #expect(records.dropFirst().filter { $0[0] == "composition" }.count == 10)
        let levelColumn = try #require(header.firstIndex(of: "level"))
        #expect(records.contains { $0[0] == "performance" && Double($0[levelColumn]) == 999.9 })
    }

    @Test("json: the query answers side by side")
    func json() async throws {
        let api = try TestAPI()
        let response = try await api.test { client in
            try await client.post(
                "/export-data", json: #"{\#(Self.range), "format": "JSON"}"#, headers: [.apiKey: api.key])
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentDisposition] == #"attachment; filename="ew100_2024-01-02_2024-01-08.json""#)
        let body = try response.json
        #expect((body["performance"] as? [Any])?.count == 5)
        let compositions = try #require(body["compositions"] as? [[String: Any]])
        #expect(compositions.count == 5)
        #expect(compositions.last?["date"] as? String == "2024-01-08")
        #expect(((compositions.last?["constituents"] as? [[String: Any]])?.first?["ticker"] as? String) == "CCC")
        #expect((body["changes"] as? [Any])?.count == 1)
        #expect((body["summary"] as? [String: Any])?["sessions"] as? Int == 5)
    }

    @Test(
        "bad export requests are 4xx JSON errors",
        arguments: [
            (#"{"start_date": "2024-01-02", "format": "pdf"}"#, 400, "invalid_parameter"),
            (#"{"start_date": "2000-01-03", "end_date": "2024-01-08"}"#, 400, "range_too_large"),
            (#"{"format": "csv"}"#, 400, "invalid_parameter"),
            (#"{"start_date": "2024-01-02", "end_date": "2024-01-11"}"#, 400, "invalid_parameter"),
            ("not json", 400, "invalid_json"),
        ]
    )
    func badRequests(body: String, status: Int, code: String) async throws {
        let api = try TestAPI()
        try await api.test { client in
            let response = try await client.post("/export-data", json: body, headers: [.apiKey: api.key])
            #expect(response.status.code == status, "\(body)")
            #expect(response.errorCode == code, "\(body)")
        }
    }

    @Test("an export asks storage four times however many sessions it spans, and has each session's composition")
    func boundedStorageRequests() async throws {
        for sessions in [5, 300] {
            let api = try TestAPI()
            let first = SessionDate("2023-01-02")!
            let dates = (0..<sessions).map { first.adding(days: $0) }
            api.reader.state.withLock { state in
                state.points = dates.enumerated().map {
                    PerformancePoint(date: $1, level: 1000 + Double($0), dailyReturn: $0 == 0 ? 0 : 0.001)
                }
                // A new composition every seventh session; the others carry theirs.
                state.compositions = [:]
                for (offset, date) in dates.enumerated() where offset % 7 == 0 {
                    state.compositions[date] = [
                        FakeIndexReader.member("T\(offset)", rank: 1, cap: 1e12, close: Double(offset) + 0.5),
                        FakeIndexReader.member("BBB", rank: 2, cap: 1e11, close: 7.25),
                    ]
                }
                state.changes = []
            }
            let last = dates[sessions - 1]
            let body = #"{"start_date": "\#(first)", "end_date": "\#(last)", "format": "json"}"#
            let (export, requests) = try await api.test { client in
                let response = try await client.post("/export-data", json: body, headers: [.apiKey: api.key])
                #expect(response.status == .ok)
                return (response, api.reader.calls)
            }
            #expect(requests == 4, "\(sessions) sessions")
            let compositions = try #require(try export.json["compositions"] as? [[String: Any]])
            #expect(compositions.map { $0["date"] as? String } == dates.map(\.description))
            // Each session's constituents are the ones the per-date query answers.
            for (offset, date) in dates.enumerated() where offset % 5 == 0 {
                let expected = try await api.reader.composition(index: "ew100", date: date).constituents
                let tickers = (compositions[offset]["constituents"] as? [[String: Any]])?.map {
                    $0["ticker"] as? String
                }
                #expect(tickers == expected.map(\.constituent.ticker), "\(date)")
                let closes = (compositions[offset]["constituents"] as? [[String: Any]])?.map { $0["close"] as? Double }
                #expect(closes == expected.map(\.constituent.close), "\(date)")
            }
        }
    }
}
