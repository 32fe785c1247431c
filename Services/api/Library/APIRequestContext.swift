import Hummingbird
import NIOCore

/// The request context of the API: the client's address (for rate limits) and the API key's name once checked.
package struct APIRequestContext: RequestContext, RemoteAddressRequestContext {
    package var coreContext: CoreRequestContextStorage
    /// The connected client's address.
    package let remoteAddress: SocketAddress?
    /// The name of the API key the request presented, once verified.
    package var keyName: String?

    /// A context for a request on `source`'s channel.
    package init(source: Source) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        keyName = nil
    }

    /// Who the rate limit counts the request against: the key, else the client's IP address.
    package var client: String {
        if let keyName { return "key:\(keyName)" }
        return "ip:\(remoteAddress?.ipAddress ?? "unknown")"
    }
}
