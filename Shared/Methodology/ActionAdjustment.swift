import Contracts

/// One member's corporate actions over (q_i, d], as DESIGN.md "Return over session d" reads them: F_i, the product
/// of its split ratios, and the dividends that count for the index's return kind, each `a * F_i(t)`.
package struct ActionAdjustment: Sendable, Equatable {
    /// F_i: the product of the split ratios.
    package var splitFactor = 1.0
    /// S_i (+ D_i for total return): the counted dividends, each on the basis of `q_i`'s shares times the splits up
    /// to and including its own date.
    package var dividends = 0.0

    /// No action.
    package init() {}

    /// close(d) * F_i + dividends: what one share held at q_i's close is worth at d's close.
    package func adjusted(close: Double) -> Double {
        close * splitFactor + dividends
    }

    /// The adjustments of the tickers that have actions, from the actions of one interval.
    ///
    /// Actions are applied in date order; on one date the splits come first, so a dividend dated with a split is on
    /// the new basis. A regular `cash_dividend` counts for total return only; a `special_dividend` for both.
    package static func byTicker(
        _ actions: [AcceptedAction], returnKind: IndexDefinition.ReturnKind
    ) -> [String: ActionAdjustment] {
        guard !actions.isEmpty else { return [:] }
        // Stable: the provider's order within a date and kind stays.
        let ordered = actions.enumerated().sorted { left, right in
            let (a, b) = (left.element, right.element)
            if a.date != b.date { return a.date < b.date }
            let aSplit = a.kind == .split
            let bSplit = b.kind == .split
            if aSplit != bSplit { return aSplit }
            return left.offset < right.offset
        }
        var result: [String: ActionAdjustment] = [:]
        for (_, action) in ordered {
            var adjustment = result[action.ticker] ?? ActionAdjustment()
            switch action.kind {
            case .split:
                adjustment.splitFactor *= action.value
            case .specialDividend:
                adjustment.dividends += action.value * adjustment.splitFactor
            case .cashDividend:
                guard returnKind == .total else { continue }
                adjustment.dividends += action.value * adjustment.splitFactor
            }
            result[action.ticker] = adjustment
        }
        return result
    }
}
