import Contracts

/// The `prices.flags` column: raw values joined by `,`, in the validator's order; empty for none.
package enum FlagCoding {
    /// The column text for `flags`.
    package static func encode(_ flags: [PriceFlag]) -> String {
        flags.isEmpty ? "" : flags.map(\.rawValue).joined(separator: ",")
    }

    /// The flags of a column text; throws on an unknown flag.
    package static func decode(_ text: String) throws -> [PriceFlag] {
        guard !text.isEmpty else { return [] }
        return try text.split(separator: ",").map { raw in
            guard let flag = PriceFlag(rawValue: String(raw)) else {
                throw StoredDataError("unknown price flag \(raw)")
            }
            return flag
        }
    }
}
