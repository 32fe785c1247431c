import Foundation

/// An index definition (DESIGN.md "Definitions"): data, stored by storage and served by the API.
///
/// JSON keys: `id`, `name`, `size`, `universe` (`sectors`, `exchanges`), `weighting`, `cap`, `rebalance`, `buffer`,
/// `return`, `base_level`. ``parse(_:)`` fills the defaults and checks every field, naming the field's path in
/// its error.
package struct IndexDefinition: Codable, Sendable, Equatable, Hashable {
    /// How the members' target weights are set at a rebalance.
    package enum Weighting: String, Codable, Sendable, CaseIterable {
        /// Each 1 / |C|.
        case equal
        /// cap_i / sum of the caps of C at the rebalance close.
        case marketCap = "market_cap"
        /// Market-cap weights with every weight limited to `cap`, the excess given to the others.
        case cappedMarketCap = "capped_market_cap"
    }

    /// When a session is a rebalance session.
    package enum Rebalance: String, Codable, Sendable, CaseIterable {
        /// Every index session.
        case daily
        /// The last index session before the next NYSE session's ISO week.
        case weekly
        /// ... calendar month.
        case monthly
        /// ... calendar quarter.
        case quarterly
    }

    /// Price or total return.
    package enum ReturnKind: String, Codable, Sendable, CaseIterable {
        /// Special dividends count, regular ones do not.
        case price
        /// Every dividend counts.
        case total
    }

    /// Which stocks are eligible: a stock matches when its metadata matches every non-empty list.
    package struct Universe: Codable, Sendable, Equatable, Hashable {
        /// Sectors (empty: any).
        package var sectors: [String]
        /// Exchanges (empty: any).
        package var exchanges: [String]

        /// A universe.
        package init(sectors: [String] = [], exchanges: [String] = []) {
            self.sectors = sectors
            self.exchanges = exchanges
        }

        /// Whether every list is empty.
        package var isAll: Bool { sectors.isEmpty && exchanges.isEmpty }

        /// Whether a stock with this metadata (nil: none stored) is eligible.
        package func admits(sector: String?, exchange: String?) -> Bool {
            guard !isAll else { return true }
            guard let sector, let exchange else { return false }
            return (sectors.isEmpty || sectors.contains(sector)) && (exchanges.isEmpty || exchanges.contains(exchange))
        }
    }

    /// 1-32 characters of `a-z`, `0-9`, `-`, starting with a letter.
    package var id: String
    /// Free text.
    package var name: String
    /// N: at most this many constituents.
    package var size: Int
    /// The eligible stocks.
    package var universe: Universe
    /// The target weights.
    package var weighting: Weighting
    /// The weight limit of `capped_market_cap`, in (0, 1]; nil for the other weightings.
    package var cap: Double?
    /// The rebalance schedule.
    package var rebalance: Rebalance
    /// b: members ranked at most N + b stay at a rebalance.
    package var buffer: Int
    /// Price or total return.
    package var returnKind: ReturnKind
    /// The level of the first session.
    package var baseLevel: Double

    /// A definition; the defaults are DESIGN.md's.
    package init(
        id: String, name: String = "", size: Int = 100, universe: Universe = Universe(),
        weighting: Weighting = .equal, cap: Double? = nil, rebalance: Rebalance = .daily, buffer: Int = 0,
        returnKind: ReturnKind = .price, baseLevel: Double = 1000
    ) {
        self.id = id
        self.name = name
        self.size = size
        self.universe = universe
        self.weighting = weighting
        self.cap = cap
        self.rebalance = rebalance
        self.buffer = buffer
        self.returnKind = returnKind
        self.baseLevel = baseLevel
    }

    enum CodingKeys: String, CodingKey {
        case id, name, size, universe, weighting, cap, rebalance, buffer
        case returnKind = "return"
        case baseLevel = "base_level"
    }

    /// The built-in `ew100`: the equal-weighted top `size` (100 unless `INDEX_SIZE` says otherwise), daily, price.
    package static func ew100(size: Int = 100) -> IndexDefinition {
        IndexDefinition(id: Indexes.defaultID, name: "Equal-weighted top \(size), price return", size: size)
    }

    /// The built-in `ew100-tr`: `ew100` with total return.
    package static func ew100TR(size: Int = 100) -> IndexDefinition {
        IndexDefinition(
            id: Indexes.totalReturnID, name: "Equal-weighted top \(size), total return", size: size,
            returnKind: .total
        )
    }

    /// The built-in definitions, in order.
    package static func builtIn(size: Int = 100) -> [IndexDefinition] { [ew100(size: size), ew100TR(size: size)] }

    /// Whether `id` is a well-formed definition id.
    package static func isValidID(_ id: String) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...32).contains(bytes.count), let first = bytes.first,
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(first)
        else { return false }
        return bytes.allSatisfy {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0)
                || $0 == UInt8(ascii: "-")
        }
    }
}

/// Why a definition is invalid: the JSON path of the field and what is wrong with it.
package struct DefinitionError: Error, Equatable, CustomStringConvertible {
    /// The field's path, e.g. `universe.sectors[1]` or `cap`.
    package var field: String
    /// What is wrong.
    package var message: String

    /// An error.
    package init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    /// One line.
    package var description: String { "\(field): \(message)" }
}

extension IndexDefinition {
    /// The largest `size` and `buffer` accepted.
    package static let maximumSize = 10_000

    /// Reads a definition from JSON, with DESIGN.md's defaults for absent fields, and checks it.
    ///
    /// Unknown keys are refused (a misspelt `rebalance` must not silently become `daily`).
    /// - Throws: ``DefinitionError`` naming the first invalid field.
    package static func parse(_ data: Data) throws -> IndexDefinition {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
            throw DefinitionError(field: "", message: "the body is not JSON")
        }
        guard let fields = object as? [String: Any] else {
            throw DefinitionError(field: "", message: "a definition is a JSON object")
        }
        let known: Set<String> = [
            "id", "name", "size", "universe", "weighting", "cap", "rebalance", "buffer", "return", "base_level",
        ]
        if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
            throw DefinitionError(field: unknown, message: "is not a field of a definition")
        }
        guard let id = fields["id"] as? String else {
            throw DefinitionError(field: "id", message: "is required: a string")
        }
        guard isValidID(id) else {
            throw DefinitionError(
                field: "id", message: "must be 1-32 characters of a-z, 0-9 and '-', starting with a letter")
        }
        var definition = IndexDefinition(id: id)
        if let name = fields["name"] {
            guard let name = name as? String else { throw DefinitionError(field: "name", message: "must be a string") }
            definition.name = name
        }
        if let size = fields["size"] {
            definition.size = try integer(size, field: "size", range: 1...maximumSize)
        }
        if let universe = fields["universe"] {
            guard let universe = universe as? [String: Any] else {
                throw DefinitionError(field: "universe", message: "must be an object with sectors and exchanges")
            }
            if let unknown = universe.keys.sorted().first(where: { $0 != "sectors" && $0 != "exchanges" }) {
                throw DefinitionError(field: "universe.\(unknown)", message: "is not a field of a universe")
            }
            definition.universe = Universe(
                sectors: try strings(universe["sectors"], field: "universe.sectors"),
                exchanges: try strings(universe["exchanges"], field: "universe.exchanges")
            )
        }
        if let weighting = fields["weighting"] {
            definition.weighting = try choice(weighting, field: "weighting")
        }
        if let cap = fields["cap"], !(cap is NSNull) {
            guard definition.weighting == .cappedMarketCap else {
                throw DefinitionError(field: "cap", message: "is only for the weighting capped_market_cap")
            }
            guard let number = cap as? NSNumber, !isBoolean(number), number.doubleValue.isFinite,
                number.doubleValue > 0, number.doubleValue <= 1
            else { throw DefinitionError(field: "cap", message: "must be a number in (0, 1]") }
            definition.cap = number.doubleValue
        } else if definition.weighting == .cappedMarketCap {
            throw DefinitionError(field: "cap", message: "is required for the weighting capped_market_cap")
        }
        if let rebalance = fields["rebalance"] {
            definition.rebalance = try choice(rebalance, field: "rebalance")
        }
        if let buffer = fields["buffer"] {
            definition.buffer = try integer(buffer, field: "buffer", range: 0...maximumSize)
        }
        if let kind = fields["return"] {
            definition.returnKind = try choice(kind, field: "return")
        }
        if let base = fields["base_level"] {
            guard let number = base as? NSNumber, !isBoolean(number), number.doubleValue.isFinite,
                number.doubleValue > 0
            else { throw DefinitionError(field: "base_level", message: "must be a number > 0") }
            definition.baseLevel = number.doubleValue
        }
        return definition
    }

    /// Whether JSONSerialization made the number from `true` or `false` (type code `c`; JSON numbers never get it).
    private static func isBoolean(_ number: NSNumber) -> Bool {
        String(cString: number.objCType) == "c"
    }

    private static func integer(_ value: Any, field: String, range: ClosedRange<Int>) throws -> Int {
        guard let number = value as? NSNumber, !isBoolean(number), number.doubleValue.rounded() == number.doubleValue,
            number.doubleValue >= Double(range.lowerBound), number.doubleValue <= Double(range.upperBound)
        else {
            throw DefinitionError(
                field: field, message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number.intValue
    }

    private static func strings(_ value: Any?, field: String) throws -> [String] {
        guard let value, !(value is NSNull) else { return [] }
        guard let list = value as? [Any] else {
            throw DefinitionError(field: field, message: "must be a list of strings")
        }
        return try list.enumerated().map { offset, element in
            guard let text = element as? String, !text.isEmpty else {
                throw DefinitionError(field: "\(field)[\(offset)]", message: "must be a non-empty string")
            }
            return text
        }
    }

    private static func choice<Choice: RawRepresentable & CaseIterable>(_ value: Any, field: String) throws -> Choice
    where Choice.RawValue == String {
        guard let text = value as? String, let choice = Choice(rawValue: text) else {
            let names = Choice.allCases.map { "'\($0.rawValue)'" }.joined(separator: ", ")
            throw DefinitionError(field: field, message: "must be one of \(names)")
        }
        return choice
    }
}
