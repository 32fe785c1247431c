import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A minimal HTTP/1.1 server on a loopback port standing in for a data vendor (or an OTLP receiver): one request per
/// connection, replies chosen by a handler, every request recorded with its body.
package final class StubHTTPServer: Sendable {
    /// A request as received.
    package struct Request: Sendable {
        /// The path without the query.
        package var path: String
        /// The query parameters, percent-decoded.
        package var query: [String: String]
        /// Header fields, names lowercased.
        package var headers: [String: String]
        /// The raw request target.
        package var target: String
        /// The body (`Content-Length` bytes; empty without one).
        package var body = Data()
    }

    /// What to do with a request.
    package enum Reply: Sendable {
        /// Answer with a status, headers and body.
        case respond(status: Int, headers: [String: String], body: Data)
        /// Never answer; the connection stays open until the server stops (a vendor that hangs).
        case hang

        /// A JSON answer.
        package static func json(_ body: String, status: Int = 200, headers: [String: String] = [:]) -> Reply {
            .respond(
                status: status, headers: headers.merging(["Content-Type": "application/json"]) { $1 },
                body: Data(body.utf8))
        }
    }

    private struct State {
        var requests: [Request] = []
        var held: [Int32] = []
        var stopped = false
    }

    /// The port it listens on.
    package let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)

    /// Starts a server answering with `handler`.
    package init(handler: @escaping @Sendable (Request) -> Reply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StubError.socket("socket", errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw StubError.socket("bind/listen", errno)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// The root URL.
    package var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Every request received, in order.
    package var requests: [Request] { state.withLock { $0.requests } }

    /// The requests whose path is `path`.
    package func requests(to path: String) -> [Request] { requests.filter { $0.path == path } }

    /// Stops accepting, closes held connections and waits for the accept loop to end.
    package func stop() {
        let held = state.withLock { state in
            state.stopped = true
            return state.held
        }
        // Shut down, not closed, until the accept loop has ended: a closed descriptor's number can be reused at once by
        // another suite's server, and a loop that had not yet reached accept() would then serve that server's clients.
        shutdown(listener, Int32(SHUT_RDWR))
        finished.wait()
        close(listener)
        for fd in held { close(fd) }
    }

    private func acceptLoop() {
        defer { finished.signal() }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 {
                if state.withLock({ $0.stopped }) { return }
                if errno == EINTR { continue }
                return
            }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        guard let request = readRequest(fd) else {
            close(fd)
            return
        }
        state.withLock { $0.requests.append(request) }
        switch handler(request) {
        case .hang:
            let stopped = state.withLock { state in
                if !state.stopped { state.held.append(fd) }
                return state.stopped
            }
            if stopped { close(fd) }
        case .respond(let status, let headers, let body):
            var head =
                "HTTP/1.1 \(status) \(Self.reason(status))\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
            for (name, value) in headers { head += "\(name): \(value)\r\n" }
            head += "\r\n"
            writeAll(fd, Data(head.utf8) + body)
            close(fd)
        }
    }

    private func readRequest(_ fd: Int32) -> Request? {
        var buffer = [UInt8]()
        var rest = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        let end: [UInt8] = Array("\r\n\r\n".utf8)
        while !buffer.ends(with: end) && buffer.count < 65_536 {
            let count = read(fd, &chunk, chunk.count)
            guard count > 0 else { return nil }
            buffer += chunk[0..<count]
            if let range = buffer.firstRange(of: end) {
                rest = Array(buffer[range.upperBound...])
                buffer = Array(buffer[..<range.upperBound])
                break
            }
        }
        let lines = String(decoding: buffer, as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count >= 2 else { return nil }
        let target = String(parts[1])
        let components = URLComponents(string: target)
        var query: [String: String] = [:]
        for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = headers["content-length"].flatMap(Int.init) ?? 0
        while rest.count < length {
            let count = read(fd, &chunk, min(chunk.count, length - rest.count))
            guard count > 0 else { return nil }
            rest += chunk[0..<count]
        }
        return Request(
            path: components?.path ?? target, query: query, headers: headers, target: target,
            body: Data(rest.prefix(length)))
    }

    private func writeAll(_ fd: Int32, _ data: Data) {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }

    /// A socket call failed.
    package enum StubError: Error {
        case socket(String, Int32)
    }
}

extension Array where Element == UInt8 {
    fileprivate func ends(with suffix: [UInt8]) -> Bool {
        count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix
    }
}
