extension SimulatedMarket {
    /// A market configured by `SIM_TICKERS` (default 6000) and `SIM_SEED` (default 42, decimal or 0x-hex);
    /// an unset or empty variable takes its default, anything else that does not parse throws.
    package static func fromEnvironment(_ environment: [String: String]) throws(SimulatedMarketError) -> SimulatedMarket
    {
        var tickers = 6000
        var seed: UInt64 = 42
        if let text = value("SIM_TICKERS", in: environment) {
            guard let parsed = Int(text), (1...maximumTickers).contains(parsed) else {
                throw .invalidVariable(
                    name: "SIM_TICKERS", value: text, expected: "an integer from 1 to \(maximumTickers)")
            }
            tickers = parsed
        }
        if let text = value("SIM_SEED", in: environment) {
            let parsed = text.lowercased().hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            guard let parsed else {
                throw .invalidVariable(name: "SIM_SEED", value: text, expected: "an unsigned 64-bit integer")
            }
            seed = parsed
        }
        return SimulatedMarket(tickers: tickers, seed: seed)
    }

    /// The trimmed value of `name`, nil when unset or blank.
    private static func value(_ name: String, in environment: [String: String]) -> String? {
        guard let raw = environment[name] else { return nil }
        let text = raw.trimmingWhitespace()
        return text.isEmpty ? nil : text
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and line breaks.
    fileprivate func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
