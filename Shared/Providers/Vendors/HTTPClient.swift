/// The HTTP boundary of the vendor providers: one GET, one response; retries, rate limits and breakers live above.
///
/// `URLSessionHTTPClient` is the real implementation; tests pass a fake where a stub server is overkill.
package protocol HTTPClient: Sendable {
    /// Sends `request` and returns the response whatever its status; throws `HTTPClientError` when no response
    /// arrived (timeout, connection failure).
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
