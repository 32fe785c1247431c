import TradingCalendar

// The replay family: requests to fetch and compute a range again (back-fills, rebuilds, jobs).

/// `replay.requested.<id>`: fetch and compute a range again.
package struct ReplayRequest: KindedMessage, Equatable {
    package static let kind = MessageKind.replayRequest

    /// The run's id; also in every message the replay produces.
    package var replayID: String
    /// First date of the range.
    package var from: SessionDate
    /// Last date of the range.
    package var to: SessionDate
    /// The provider to fetch from; nil for the fetcher's configured one.
    package var provider: String?
    /// Fetch sessions again even when stored.
    package var refetch: Bool
    /// The index definition.
    package var index: String

    /// A replay request.
    package init(
        replayID: String, from: SessionDate, to: SessionDate, provider: String? = nil, refetch: Bool = false,
        index: String = Indexes.defaultID
    ) {
        self.replayID = replayID
        self.from = from
        self.to = to
        self.provider = provider
        self.refetch = refetch
        self.index = index
    }

    private enum CodingKeys: String, CodingKey {
        case replayID, from, to, provider, refetch, index
    }

    /// Decodes a request; `refetch` (added after the first requests were written) defaults to false and `index` to
    /// the default index, so requests published by older tools still decode.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        replayID = try container.decode(String.self, forKey: .replayID)
        from = try container.decode(SessionDate.self, forKey: .from)
        to = try container.decode(SessionDate.self, forKey: .to)
        provider = try container.decodeIfPresent(String.self, forKey: .provider)
        refetch = try container.decodeIfPresent(Bool.self, forKey: .refetch) ?? false
        index = try container.decodeIfPresent(String.self, forKey: .index) ?? Indexes.defaultID
    }
}
