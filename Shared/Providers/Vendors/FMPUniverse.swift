import Foundation

/// The tickers the `fmp` provider asks for: FMP serves one ticker per request, so it needs a candidate list.
///
/// `FMP_TICKERS` (comma- or space-separated) or `FMP_TICKERS_FILE` (one per line, `#` comments); otherwise
/// `defaultTickers`, large US stocks of 2025-2026. A list of today's large stocks, applied to past years, misses
/// companies that were large then and have since shrunk or gone (survivorship bias): back-fills that need the
/// historical top 100 should supply a wider list.
package enum FMPUniverse {
    /// The configured list, deduplicated in order and upper-cased.
    ///
    /// - Parameters:
    ///   - list: the value of `FMP_TICKERS`, if set.
    ///   - file: the value of `FMP_TICKERS_FILE`, if set.
    package static func tickers(list: String?, file: String?) throws(VendorConfigurationError) -> [String] {
        if let list {
            return try parse(list, source: "FMP_TICKERS")
        }
        if let path = file {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw .unreadable(name: "FMP_TICKERS_FILE", path: path)
            }
            let lines = text.split(whereSeparator: \.isNewline).map { line in
                line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            }
            return try parse(lines.joined(separator: " "), source: "FMP_TICKERS_FILE")
        }
        return defaultTickers
    }

    /// Tickers of `text`, separated by commas or whitespace; each must be 1-10 of A-Z, 0-9, `.` or `-`.
    package static func parse(_ text: String, source: String) throws(VendorConfigurationError) -> [String] {
        var seen = Set<String>()
        var tickers: [String] = []
        for token in text.split(whereSeparator: { $0 == "," || $0.isWhitespace }) {
            let ticker = token.uppercased()
            let valid =
                (1...10).contains(ticker.count)
                && ticker.unicodeScalars.allSatisfy {
                    ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "." || $0 == "-"
                }
            guard valid else {
                throw .invalid(name: source, value: String(token), expected: "tickers of A-Z, 0-9, '.' or '-'")
            }
            if seen.insert(ticker).inserted { tickers.append(ticker) }
        }
        guard !tickers.isEmpty else { throw .invalid(name: source, value: text, expected: "at least one ticker") }
        return tickers
    }

    /// Large US-listed stocks (FMP spelling: class shares with `-`), roughly the largest 300 by market cap.
    package static let defaultTickers: [String] = [
        "AAPL", "MSFT", "NVDA", "GOOGL", "GOOG", "AMZN", "META", "BRK-B", "AVGO", "TSLA",
        "LLY", "JPM", "WMT", "V", "ORCL", "MA", "XOM", "UNH", "COST", "NFLX",
        "PG", "JNJ", "HD", "ABBV", "BAC", "KO", "PLTR", "CRM", "TMUS", "CVX",
        "WFC", "CSCO", "IBM", "ABT", "PM", "AMD", "MCD", "GE", "MRK", "LIN",
        "PEP", "ACN", "DIS", "NOW", "ISRG", "ADBE", "T", "TMO", "GS", "INTU",
        "VZ", "CAT", "UBER", "QCOM", "AXP", "RTX", "MS", "TXN", "BKNG", "SPGI",
        "AMGN", "PGR", "BSX", "PFE", "NEE", "DHR", "LOW", "UNP", "HON", "SCHW",
        "BLK", "AMAT", "TJX", "C", "SYK", "GILD", "BX", "COP", "ANET", "ETN",
        "BA", "VRTX", "PANW", "ADP", "DE", "MU", "CMCSA", "LMT", "MDT", "ADI",
        "FI", "KKR", "LRCX", "SBUX", "CB", "MMC", "INTC", "KLAC", "PLD", "APH",
        "MO", "ICE", "CRWD", "SO", "AMT", "BMY", "CME", "WELL", "SHW", "DUK",
        "CEG", "WM", "TT", "MCK", "ELV", "CI", "EQIX", "MDLZ", "PH", "CTAS",
        "ABNB", "MMM", "AJG", "PYPL", "ORLY", "HCA", "APO", "MSI", "CVS", "ZTS",
        "AON", "GD", "ITW", "NOC", "CDNS", "SNPS", "RCL", "COF", "TDG", "MAR",
        "USB", "PNC", "EMR", "ECL", "REGN", "WMB", "CL", "APD", "BDX", "FTNT",
        "EOG", "CSX", "ADSK", "HLT", "AZO", "MNST", "DASH", "NSC", "TRV", "FCX",
        "KMI", "OKE", "CARR", "NKE", "ROP", "AFL", "SPG", "JCI", "DLR", "TFC",
        "GM", "BK", "PSA", "AEP", "SRE", "CPRT", "PAYX", "NXPI", "CMG", "ALL",
        "FDX", "MET", "PCAR", "ROST", "O", "VST", "D", "AMP", "GWW", "AIG",
        "SLB", "PSX", "KDP", "MPC", "FAST", "LHX", "HWM", "KMB", "CTVA", "TEL",
        "EW", "OXY", "URI", "F", "FICO", "KR", "VLO", "CCI", "PEG", "TGT",
        "EXC", "FIS", "MSCI", "AXON", "PCG", "GRMN", "LULU", "COR", "CBRE", "VRSK",
        "HES", "IT", "OTIS", "CTSH", "YUM", "XEL", "DELL", "ODFL", "EA", "IR",
        "KHC", "GLW", "SYY", "A", "RMD", "DHI", "STZ", "MCHP", "EXR", "GIS",
        "ED", "ACGL", "LVS", "WAB", "VMC", "MLM", "IQV", "HUM", "NUE", "EFX",
        "IDXX", "ETR", "MTB", "DD", "HIG", "HPQ", "CNC", "WEC", "AVB", "RJF",
        "LEN", "EBAY", "TTWO", "XYL", "FITB", "ANSS", "GEHC", "CSGP", "TSCO", "DXCM",
        "ROK", "EQR", "BRO", "KEYS", "ON", "GPN", "STT", "CAH", "DOW", "WTW",
        "MPWR", "IRM", "TPL", "NVR", "CHTR", "UAL", "DAL", "HPE", "SW", "PPG",
        "DECK", "VTR", "LYB", "HSY", "ADM", "EL", "BIIB", "TROW", "NTAP", "FTV",
        "CPAY", "HAL", "SMCI", "DTE", "AEE", "PPL", "WDC", "CDW", "ES", "SBAC",
        "MRNA", "FE", "HUBB", "WY", "ZBH", "LDOS", "PTC", "TYL", "STE", "WAT",
        "CINF", "WST", "K", "RF", "HBAN", "IFF", "ATO", "CCL", "WRB", "BR",
    ]
}
