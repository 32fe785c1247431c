/// Ticker symbols, company names, sectors and exchanges of the simulated universe.
enum SimNames {
    /// The 11 GICS sectors with the share of listed US companies each roughly has.
    static let sectors: [(name: String, weight: Double)] = [
        ("Information Technology", 0.14), ("Health Care", 0.17), ("Financials", 0.16),
        ("Consumer Discretionary", 0.12), ("Industrials", 0.14), ("Communication Services", 0.04),
        ("Consumer Staples", 0.04), ("Energy", 0.05), ("Utilities", 0.03), ("Real Estate", 0.06),
        ("Materials", 0.05),
    ]

    /// The three exchanges.
    static let nyse = "NYSE"
    /// NASDAQ.
    static let nasdaq = "NASDAQ"
    /// NYSE American.
    static let nyseAmerican = "NYSE American"

    /// `count` distinct tickers of 1 to 5 upper-case letters, in an order that depends on `seed`.
    ///
    /// Lengths are allotted first (a few 1- and 2-letter symbols, about a third of 3 letters, the rest 4, and 5
    /// only past 475,254 symbols); within a length, symbol number j is `(a * j + b) mod 26^length` with `a`
    /// coprime to 26, a bijection, so no two tickers collide and no look-up table is needed.
    static func tickers(count: Int, seed: UInt64) -> [String] {
        var remaining = count
        var lengths: [Int] = []
        for (length, share) in [(1, 0.002), (2, 0.03), (3, 0.35), (4, 1.0), (5, 1.0)] {
            let capacity = power26(length)
            let wanted = length >= 4 ? remaining : min(remaining, Int(Double(count) * share))
            let taken = min(wanted, capacity)
            lengths.append(contentsOf: repeatElement(length, count: taken))
            remaining -= taken
        }
        precondition(remaining == 0, "too many tickers for 1-5 letter symbols")
        var next = [Int](repeating: 0, count: 6)
        return lengths.map { length in
            let modulus = UInt64(power26(length))
            let key = SimHash.key(seed, 0x7469_636B_0000 | UInt64(length))
            var multiplier = SimHash.draw(key, 0) % modulus
            // Coprime to 26 = 2 * 13 keeps the affine map a permutation.
            while multiplier % 2 == 0 || multiplier % 13 == 0 { multiplier = (multiplier + 1) % modulus }
            let offset = SimHash.draw(key, 1) % modulus
            let ordinal = UInt64(next[length])
            next[length] += 1
            // Both factors are below 26^5, so the product cannot overflow 64 bits.
            let code = (multiplier * ordinal + offset) % modulus
            return symbol(code: Int(code), length: length)
        }
    }

    /// The symbol of `code` in base 26, `length` letters, A = 0.
    static func symbol(code: Int, length: Int) -> String {
        var letters = [UInt8](repeating: UInt8(ascii: "A"), count: length)
        var rest = code
        for position in stride(from: length - 1, through: 0, by: -1) {
            letters[position] = UInt8(ascii: "A") + UInt8(rest % 26)
            rest /= 26
        }
        return String(decoding: letters, as: UTF8.self)
    }

    /// 26^length.
    static func power26(_ length: Int) -> Int {
        (0..<length).reduce(1) { value, _ in value * 26 }
    }

    /// The sector index for a uniform draw in [0, 1).
    static func sector(_ unit: Double) -> Int {
        var cumulative = 0.0
        for (index, sector) in sectors.enumerated() {
            cumulative += sector.weight
            if unit < cumulative { return index }
        }
        return sectors.count - 1
    }

    /// The exchange for a ticker of `length` letters and a uniform draw: short symbols are mostly NYSE, four or
    /// five letters mostly NASDAQ, as in the real market.
    static func exchange(length: Int, unit: Double) -> String {
        if length <= 3 {
            return unit < 0.88 ? nyse : unit < 0.97 ? nyseAmerican : nasdaq
        }
        return unit < 0.90 ? nasdaq : unit < 0.95 ? nyse : nyseAmerican
    }

    private static let prefixes = [
        "Al", "Bri", "Cor", "Dyn", "El", "Fal", "Gen", "Hor", "In", "Jun", "Kel", "Lum", "Mer", "Nov", "Or", "Pel",
        "Quan", "Ros", "Sol", "Tri", "Ul", "Ver", "Wex", "Xan", "Yor", "Zen", "Ar", "Bel", "Cas", "Den", "Ev", "Fen",
    ]
    private static let middles = ["ta", "ex", "on", "ix", "ar", "is", "o", "ia", "en", "ium", "or", "a", "el", "us"]
    private static let endings = ["", "", "", "tech", "gen", "ix", "wave", "point", "field", "stone"]
    private static let sectorWords: [[String]] = [
        ["Systems", "Software", "Semiconductor", "Networks", "Technologies", "Data"],
        ["Therapeutics", "Pharmaceuticals", "Medical", "Biosciences", "Health", "Diagnostics"],
        ["Bancorp", "Financial", "Capital", "Insurance", "Trust", "Partners"],
        ["Brands", "Retail", "Motors", "Apparel", "Restaurants", "Leisure"],
        ["Industries", "Aerospace", "Logistics", "Machinery", "Engineering", "Controls"],
        ["Media", "Communications", "Entertainment", "Interactive", "Telecom", "Broadcasting"],
        ["Foods", "Beverages", "Household Products", "Farms", "Grocers", "Consumer"],
        ["Energy", "Petroleum", "Resources", "Oil & Gas", "Midstream", "Drilling"],
        ["Power", "Utilities", "Electric", "Water", "Gas & Electric", "Energy Services"],
        ["Realty", "Properties", "REIT", "Land", "Residential", "Office Trust"],
        ["Materials", "Chemicals", "Metals", "Mining", "Packaging", "Steel"],
    ]
    private static let forms = [
        "Inc.", "Corp.", "Holdings, Inc.", "Co.", "Group", "plc", "Ltd.", "Corporation", "Inc.", "Company",
    ]

    /// A made-up company name for sector `sector` from the draw `bits`; some contain a comma (", Inc.") on purpose.
    static func companyName(sector: Int, bits: UInt64) -> String {
        let prefix = prefixes[Int(bits & 31)]
        let middle = middles[Int((bits >> 5) % UInt64(middles.count))]
        let ending = endings[Int((bits >> 12) % UInt64(endings.count))]
        let word = sectorWords[sector][Int((bits >> 20) % UInt64(sectorWords[sector].count))]
        let form = forms[Int((bits >> 28) % UInt64(forms.count))]
        return "\(prefix)\(middle)\(ending) \(word) \(form)"
    }
}
