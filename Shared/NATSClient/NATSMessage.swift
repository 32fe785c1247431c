import CNATS
import Foundation

/// A message received on a core NATS subscription, copied out of the C library.
package struct NATSMessage: Sendable {
    /// The subject the message was published to.
    package var subject: String
    /// Where a reply is expected, if the sender made a request.
    package var replyTo: String?
    /// The payload.
    package var data: Data
    /// Headers (first value of each key).
    package var headers: [String: String]

    /// Creates a message value.
    package init(subject: String, replyTo: String? = nil, data: Data, headers: [String: String] = [:]) {
        self.subject = subject
        self.replyTo = replyTo
        self.data = data
        self.headers = headers
    }

    /// Copies a libnats message; the caller still owns (and destroys) `msg`.
    init(copying msg: OpaquePointer) {
        subject = String(cString: natsMsg_GetSubject(msg))
        replyTo = natsMsg_GetReply(msg).map { String(cString: $0) }
        data = copyData(msg)
        headers = copyHeaders(msg)
        if natsMsg_IsNoResponders(msg) { headers["Status"] = "503" }
    }
}

/// The payload bytes of a libnats message.
func copyData(_ msg: OpaquePointer) -> Data {
    let length = Int(natsMsg_GetDataLength(msg))
    guard length > 0, let bytes = natsMsg_GetData(msg) else { return Data() }
    return Data(bytes: bytes, count: length)
}

/// The headers of a libnats message; the first value of each key.
func copyHeaders(_ msg: OpaquePointer) -> [String: String] {
    var keys: UnsafeMutablePointer<UnsafePointer<CChar>?>?
    var count: Int32 = 0
    guard natsMsgHeader_Keys(msg, &keys, &count) == NATS_OK, let keys else { return [:] }
    defer { free(keys) }
    var result: [String: String] = [:]
    for index in 0..<Int(count) {
        guard let key = keys[index] else { continue }
        var value: UnsafePointer<CChar>?
        if natsMsgHeader_Get(msg, key, &value) == NATS_OK, let value {
            result[String(cString: key)] = String(cString: value)
        }
    }
    return result
}

/// Creates a libnats message with headers; the caller owns the result.
func makeMessage(subject: String, reply: String? = nil, data: Data, headers: [String: String]) throws -> OpaquePointer {
    var msg: OpaquePointer?
    let status = data.withUnsafeBytes { raw in
        natsMsg_Create(&msg, subject, reply, raw.baseAddress?.assumingMemoryBound(to: CChar.self), Int32(raw.count))
    }
    try check(status, "creating a message for \(subject)")
    guard let msg else { throw NATSError.closed }
    for (key, value) in headers {
        let status = natsMsgHeader_Set(msg, key, value)
        if status != NATS_OK {
            natsMsg_Destroy(msg)
            throw natsError(status, "setting header \(key)")
        }
    }
    return msg
}
