/// An error that trying again cannot fix: a vendor's 4xx other than 408 and 429, a malformed answer, a request that
/// names something that does not exist. Nothing retries it: a pipeline stage dead-letters the message at once, with
/// the error's description as the reason.
package protocol PermanentError: Error, CustomStringConvertible {}

/// A permanent failure with its reason, for code that has no error type of its own to mark.
package struct PermanentFailure: PermanentError {
    /// Why the work can never succeed.
    package var reason: String

    /// A permanent failure with its reason.
    package init(_ reason: String) { self.reason = reason }

    /// The reason.
    package var description: String { reason }
}
