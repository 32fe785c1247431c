/// The sessions of a date range of a `SimulatedMarket`, generated one after the other with state carried forward.
package struct SimSessionSequence: Sequence, Sendable {
    /// The market's fixed part.
    let universe: SimUniverse
    /// The session indexes to generate.
    let indexes: Range<Int>

    /// How many sessions the sequence yields.
    package var underestimatedCount: Int { indexes.count }

    /// An iterator starting at the range's first session.
    package func makeIterator() -> Iterator {
        Iterator(cursor: SimCursor(universe: universe, index: indexes.lowerBound), end: indexes.upperBound)
    }

    /// Generates the next session on each call.
    package struct Iterator: IteratorProtocol {
        /// The generator state.
        var cursor: SimCursor
        /// The index past the last session.
        let end: Int

        /// The next session, or nil past the range.
        package mutating func next() -> SimSession? {
            guard cursor.nextIndex < end else { return nil }
            return cursor.step()
        }
    }
}
