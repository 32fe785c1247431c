import Contracts
import Foundation
import Testing
import TradingCalendar

@Suite("Reply sizes")
struct PayloadSizeTests {
    /// NATS's default payload limit, which storage's replies must stay under.
    static let natsMaxPayload = 1_048_576

    @Test("one session's closes for 12,000 stocks fit in one NATS reply (the validator asks one session at a time)")
    func oneSessionOfHistoryFits() throws {
        let date = SessionDate("2024-06-28")!
        let closes = (0..<12_000).map { index in
            HistoricalClose(
                date: date, ticker: "T\(String(index, radix: 36).uppercased())XYZ",
                close: 1234.5678901234 + Double(index))
        }
        let size = try PriceHistoryReply(closes: closes).encoded().count
        #expect(size < Self.natsMaxPayload, "\(size) bytes")
        // Thirty sessions of the same (the window the validator needs) would not: hence one request per session.
        #expect(size * 30 > Self.natsMaxPayload)
    }
}
