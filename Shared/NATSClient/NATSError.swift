import CNATS

/// An error raised by the NATS client: a libnats status, a JetStream error code, or a remote failure.
package enum NATSError: Error, CustomStringConvertible, Equatable {
    /// A libnats call failed with this status.
    case status(code: Int, text: String, context: String, jetStreamCode: Int)
    /// A request found no subscriber on its subject.
    case noResponders(subject: String)
    /// A request or fetch got no answer in time.
    case timeout(subject: String)
    /// The responder answered with an error.
    case remote(subject: String, message: String)
    /// The connection is closed; nothing more can be sent on it.
    case closed

    /// One line for logs and operators.
    package var description: String {
        switch self {
        case .status(let code, let text, let context, let js):
            let jsText = js == 0 ? "" : " (JetStream error \(js))"
            return "\(context): \(text) [nats status \(code)]\(jsText)"
        case .noResponders(let subject): return "no responders on \(subject)"
        case .timeout(let subject): return "timed out waiting on \(subject)"
        case .remote(let subject, let message): return "\(subject) answered with an error: \(message)"
        case .closed: return "the NATS connection is closed"
        }
    }

    /// Whether the server reported that the stream or consumer does not exist.
    package var isNotFound: Bool {
        if case .status(let code, _, _, let js) = self {
            return code == Int(NATS_NOT_FOUND.rawValue) || js == 10059 || js == 10014
        }
        return false
    }
}

/// Throws a ``NATSError`` unless `status` is `NATS_OK`.
@inline(__always)
func check(_ status: natsStatus, _ context: @autoclosure () -> String, jsError: jsErrCode = jsErrCode(0)) throws {
    guard status != NATS_OK else { return }
    throw natsError(status, context(), jsError: jsError)
}

/// Builds the ``NATSError`` for a failed libnats status, with the library's last error text where there is one.
func natsError(_ status: natsStatus, _ context: String, jsError: jsErrCode = jsErrCode(0)) -> NATSError {
    var text = String(cString: natsStatus_GetText(status))
    var lastStatus = NATS_OK
    if let detail = nats_GetLastError(&lastStatus), lastStatus == status {
        let detailText = String(cString: detail)
        if !detailText.isEmpty, detailText != text { text += ": " + detailText }
    }
    return .status(code: Int(status.rawValue), text: text, context: context, jetStreamCode: Int(jsError.rawValue))
}
