/// Runs work over a list with a bounded number of tasks in flight, results in input order.
package enum BoundedConcurrency {
    /// `body` applied to each of `items`, at most `limit` at once; the first failure cancels the rest and is thrown.
    package static func map<Item: Sendable, Result: Sendable>(
        _ items: [Item], limit: Int, _ body: @escaping @Sendable (Item) async throws -> Result
    ) async throws -> [Result] {
        guard !items.isEmpty else { return [] }
        return try await withThrowingTaskGroup(of: (Int, Result).self) { group in
            var results = [Result?](repeating: nil, count: items.count)
            var next = 0
            func launch() {
                let index = next
                let item = items[index]
                next += 1
                group.addTask { (index, try await body(item)) }
            }
            while next < min(max(1, limit), items.count) { launch() }
            while let (index, result) = try await group.next() {
                results[index] = result
                if next < items.count { launch() }
            }
            return results.map { $0! }
        }
    }
}
