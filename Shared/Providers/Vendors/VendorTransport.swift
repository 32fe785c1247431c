/// The HTTP boundary of the vendor providers: one GET, one response; the rate limit and the breaker live above
/// (``VendorHTTP``), retries in the pipeline (a failed session is redelivered).
///
/// `URLSessionVendorTransport` is the real implementation; tests pass a fake where a stub server is overkill.
package protocol VendorTransport: Sendable {
    /// Sends `request` and returns the response whatever its status; throws `VendorTransportError` when no response
    /// arrived (timeout, connection failure).
    func send(_ request: VendorRequest) async throws -> VendorResponse
}
