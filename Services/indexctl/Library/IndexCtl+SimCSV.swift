import ArgumentParser
import Contracts
import Foundation
import Providers
import TradingCalendar

extension IndexCtl {
    /// `indexctl sim-csv`: writes the simulated market as CSV files in the ingest format.
    struct SimCSV: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sim-csv",
            abstract: "Write the simulated market of a range as a prices CSV (and stocks and corporate-actions CSVs), "
                + "in the ingest format."
        )

        @Option(help: "First date, YYYY-MM-DD.", transform: parseSessionDate)
        var from: SessionDate

        @Option(help: "Last date, YYYY-MM-DD.", transform: parseSessionDate)
        var to: SessionDate

        @Option(help: "Prices CSV to write.")
        var prices: String

        @Option(help: "Stocks CSV to write.")
        var stocks: String?

        @Option(help: "Corporate actions CSV to write (splits and dividends; the prices are as traded).")
        var actions: String?

        @Option(help: "Universe size (SIM_TICKERS).")
        var tickers: Int?

        @Option(help: "Seed (SIM_SEED).")
        var seed: UInt64?

        init() {}

        func run() throws {
            var environment = ProcessInfo.processInfo.environment
            if let tickers { environment["SIM_TICKERS"] = String(tickers) }
            if let seed { environment["SIM_SEED"] = String(seed) }
            let market = try SimulatedMarket.fromEnvironment(environment)
            guard FileManager.default.createFile(atPath: prices, contents: nil) else {
                throw ValidationError("cannot create \(prices)")
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: prices))
            defer { try? handle.close() }
            var buffer = "date,ticker,open,high,low,close,volume,market_cap\n"
            var rows = 0
            var actionText = CSVPriceFile.actionsHeader.joined(separator: ",") + "\n"
            for session in market.sessions(from: from, to: to) {
                for action in session.actions {
                    actionText += "\(action.date),\(action.ticker),\(action.kind),\(field(action.value))\n"
                }
                for row in session.rows {
                    // The CSV has no shares column: a row that gives shares outstanding gets its market cap derived.
                    let marketCap = row.marketCap ?? zip2(row.close, row.sharesOutstanding).map { $0 * $1 }
                    buffer += "\(row.date),\(row.ticker),\(field(row.open)),\(field(row.high)),\(field(row.low)),"
                    buffer += "\(field(row.close)),\(field(row.volume)),\(field(marketCap))\n"
                    rows += 1
                }
                if buffer.utf8.count > 1 << 20 {
                    handle.write(Data(buffer.utf8))
                    buffer = ""
                }
            }
            handle.write(Data(buffer.utf8))
            if let stocks {
                var text = "ticker,name,sector,exchange\n"
                for stock in market.allStocks {
                    text +=
                        [stock.ticker, stock.name, stock.sector, stock.exchange].map(quoted).joined(separator: ",")
                        + "\n"
                }
                try text.write(toFile: stocks, atomically: true, encoding: .utf8)
            }
            if let actions {
                try actionText.write(toFile: actions, atomically: true, encoding: .utf8)
            }
            FileHandle.standardError.write(Data("wrote \(rows) rows to \(prices)\n".utf8))
        }

        private func field(_ value: Double?) -> String {
            guard let value else { return "" }
            if value.isNaN { return "nan" }
            if value.isInfinite { return value > 0 ? "inf" : "-inf" }
            return "\(value)"
        }

        private func quoted(_ text: String) -> String {
            text.contains(",") || text.contains("\"")
                ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }

        private func zip2(_ a: Double?, _ b: Double?) -> (Double, Double)? {
            guard let a, let b else { return nil }
            return (a, b)
        }
    }
}
