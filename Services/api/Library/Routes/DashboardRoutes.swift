import Dashboard
import HTTPTypes
import Hummingbird
import NIOCore

/// `GET /`: the dashboard, and `GET /assets/{name}`: its stylesheet and script. Same-origin files only, so the page
/// works under the API's Content-Security-Policy (`default-src 'self'`, no inline script or style).
struct DashboardRoutes: Sendable {
    func register(on router: Router<APIRequestContext>) {
        router.get("/") { _, _ in Self.response(DashboardAssets.page) }
        router.get("/assets/{name}") { _, context in
            let name = try context.parameters.require("name")
            guard let asset = DashboardAssets.files[name] else {
                throw APIError(.notFound, code: "not_found", message: "no asset '\(name.prefix(64))'")
            }
            return Self.response(asset)
        }
    }

    /// The file, revalidated on every load (a new API build serves new files at the same names).
    static func response(_ asset: DashboardAssets.Asset) -> Response {
        Response(
            status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(bytes: asset.bytes))
        )
    }
}
