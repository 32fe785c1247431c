import TradingCalendar

// The corporate-action family: what a provider delivers with a session's prices, and what the validator decides.

/// The kinds of corporate action DESIGN.md names ("Data a provider delivers").
package enum CorporateActionKind: String, Codable, Sendable, CaseIterable {
    /// `value` is shares after / shares before (2-for-1 is 2, a 1-for-10 reverse split 0.1).
    case split
    /// A regular dividend, `value` per share on the basis of its date.
    case cashDividend = "cash_dividend"
    /// A special (non-recurring) cash dividend, `value` per share.
    case specialDividend = "special_dividend"
}

/// One corporate action as a provider delivered it, effective at the open of `date` (its ex-date).
///
/// `kind` is kept as the text received, so an unknown kind can be stored with its rejection; `value` is nil when
/// the provider gave none.
package struct CorporateAction: Codable, Sendable, Equatable, Hashable {
    /// The ex-date.
    package var date: SessionDate
    /// The ticker.
    package var ticker: String
    /// `split`, `cash_dividend` or `special_dividend` when valid; anything as received otherwise.
    package var kind: String
    /// The split ratio or the amount per share.
    package var value: Double?

    /// An action.
    package init(date: SessionDate, ticker: String, kind: String, value: Double?) {
        self.date = date
        self.ticker = ticker
        self.kind = kind
        self.value = value
    }

    /// An action of a known kind.
    package init(date: SessionDate, ticker: String, kind: CorporateActionKind, value: Double?) {
        self.init(date: date, ticker: ticker, kind: kind.rawValue, value: value)
    }

    /// The kind, when it is one DESIGN.md names.
    package var knownKind: CorporateActionKind? { CorporateActionKind(rawValue: kind) }
}

/// Why the validator rejected a corporate action, in the order the rules apply.
package enum ActionRejectionReason: String, Codable, Sendable, CaseIterable {
    /// An earlier action of the batch has the same date, ticker and kind.
    case duplicate
    /// The kind is none of `split`, `cash_dividend`, `special_dividend`.
    case unknownKind = "unknown_kind"
    /// The date is not an NYSE session.
    case notASession = "not_a_session"
    /// A split ratio missing, not finite or <= 0; a dividend amount missing, not finite or < 0.
    case badValue = "bad_value"
}

/// A corporate action with the validator's decision: `rejection` nil when it is accepted.
package struct ValidatedAction: Codable, Sendable, Equatable {
    /// The action as received.
    package var action: CorporateAction
    /// The first rule it broke; nil when accepted.
    package var rejection: ActionRejectionReason?

    /// A decided action.
    package init(action: CorporateAction, rejection: ActionRejectionReason?) {
        self.action = action
        self.rejection = rejection
    }

    /// Whether the methodology uses it.
    package var isAccepted: Bool { rejection == nil }
}

/// An accepted action of a known kind with a usable value: what the methodology reads.
package struct AcceptedAction: Codable, Sendable, Equatable, Hashable {
    /// The ex-date.
    package var date: SessionDate
    /// The ticker.
    package var ticker: String
    /// The kind.
    package var kind: CorporateActionKind
    /// The ratio or amount (finite; a ratio > 0, an amount >= 0).
    package var value: Double

    /// An accepted action.
    package init(date: SessionDate, ticker: String, kind: CorporateActionKind, value: Double) {
        self.date = date
        self.ticker = ticker
        self.kind = kind
        self.value = value
    }

    /// The accepted action of a validated one; nil when it was rejected.
    package init?(_ validated: ValidatedAction) {
        guard validated.rejection == nil, let kind = validated.action.knownKind, let value = validated.action.value
        else { return nil }
        self.init(date: validated.action.date, ticker: validated.action.ticker, kind: kind, value: value)
    }
}
