import ArgumentParser
import Contracts
import Foundation
import Pipeline
import Providers
import ServiceSupport
import TradingCalendar

extension IndexCtl {
    /// `indexctl ingest --prices FILE [--stocks FILE] [--actions FILE]`: loads a CSV through the live pipeline.
    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a prices CSV (and optional stock metadata and corporate actions) through the pipeline; "
                + "return when every session in it is computed and stored."
        )

        @Option(help: "Prices CSV: date,ticker,open,high,low,close,volume,market_cap.")
        var prices: String

        @Option(help: "Stock metadata CSV: ticker,name,sector,exchange.")
        var stocks: String?

        @Option(help: "Corporate actions CSV: date,ticker,kind,value (split, cash_dividend, special_dividend).")
        var actions: String?

        @Option(name: .customLong("nats-url"), help: "NATS server URL (NATS_URL).")
        var natsURL: String?

        @Option(help: "Seconds without progress before giving up.")
        var timeout: Double = 120

        init() {}

        func run() async throws {
            do {
                try await ingest()
            } catch let error as OperatorError {
                FileHandle.standardError.write(Data("indexctl ingest: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }

        private func ingest() async throws {
            let data: CSVData
            do {
                data = try CSVPriceFile.load(
                    prices: URL(fileURLWithPath: prices), stocks: stocks.map { URL(fileURLWithPath: $0) },
                    actions: actions.map { URL(fileURLWithPath: $0) }
                )
            } catch {
                throw OperatorError("\(error)")
            }
            let byDate = data.sessions
            // A date with actions and no rows is published too (with no rows), so its actions reach the pipeline.
            guard let first = data.dates.first, let last = data.dates.last else {
                throw OperatorError("\(prices) has no rows and there are no actions")
            }
            let url = try natsURL ?? ServiceConfiguration().natsURL
            let client = try await PipelineClient.connect(natsURL: url)
            defer { Task { await client.close() } }
            let stored = try await client.storedSessions()
            try Self.checkContiguity(first: first, last: last, fileDates: Set(data.dates), stored: stored)

            try client.pipeline.watchDeadLetters()
            let since = Date()
            var expected: [SessionDate: String?] = [:]
            var sentStocks: Set<String> = []
            for date in Self.publishDates(of: data, stored: stored) {
                let rows = byDate[date] ?? []
                // Each stock's metadata travels once, with the first session it appears in.
                let stocks = data.stocks(for: rows).filter { !sentStocks.contains($0.ticker) }
                sentStocks.formUnion(stocks.map(\.ticker))
                let published = try await client.pipeline.publishSession(
                    date: date, rows: rows, stocks: stocks, actions: data.actions(on: date), source: "csv"
                )
                expected[date] = .some(published.batchID)
            }
            let counts = "\(data.rowCount) rows, \(data.actionCount) actions"
            FileHandle.standardError.write(
                Data("published \(expected.count) batches (\(counts)) from \(prices)\n".utf8))
            try await client.follow(
                FollowTarget(
                    index: client.index, sessions: expected, replayID: nil, since: since, stallWhileQueued: true
                ),
                stallTimeout: .seconds(timeout), label: "ingest"
            )
            print(try await client.summary(DateRange(start: first, end: last)))
        }

        /// The dates an ingest publishes, ascending: every date of the files, with rows or with actions only, and
        /// each session of their range with neither, unless storage has it (published empty, it is known not to be
        /// an index session).
        static func publishDates(of data: CSVData, stored: Set<SessionDate>) -> [SessionDate] {
            guard let first = data.dates.first, let last = data.dates.last else { return [] }
            var dates = Set(data.dates)
            for session in NYSECalendar.standard.sessions(from: first, to: last) where !stored.contains(session) {
                dates.insert(session)
            }
            return dates.sorted()
        }

        /// Refuses a file that would leave a gap against the stored series: the build would wait for it forever.
        static func checkContiguity(
            first: SessionDate, last: SessionDate, fileDates: Set<SessionDate>, stored: Set<SessionDate>
        ) throws {
            let calendar = NYSECalendar.standard
            if let before = stored.filter({ $0 < first }).max() {
                let missing = calendar.sessions(from: before, to: first).dropFirst().dropLast()
                if let gap = missing.first {
                    throw OperatorError(
                        "the stored series ends at \(before) and the file starts at \(first): sessions \(gap)..."
                            + "\(missing.last ?? gap) are missing; ingest or backfill them first"
                    )
                }
            }
            if let after = stored.filter({ $0 > last }).min() {
                let missing = calendar.sessions(from: last, to: after).dropFirst().dropLast()
                if let gap = missing.first {
                    throw OperatorError(
                        "the file ends at \(last) and the stored series resumes at \(after): sessions \(gap)..."
                            + "\(missing.last ?? gap) are missing; ingest or backfill them first"
                    )
                }
            }
        }
    }
}
