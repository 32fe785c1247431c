/// The dashboard's files (HTML, CSS, JavaScript), built into the executable: nothing to install beside it and nothing
/// fetched from the internet. The charts are SVG drawn by the page's own script.
package enum DashboardAssets {
    /// A file and its content type.
    package struct Asset: Sendable {
        /// The bytes.
        package var bytes: [UInt8]
        /// The `Content-Type`.
        package var contentType: String
    }

    /// The page (`GET /`).
    package static let page = Asset(bytes: PackageResources.index_html, contentType: "text/html; charset=utf-8")

    /// The page's assets by name (`GET /assets/{name}`).
    package static let files: [String: Asset] = [
        "dashboard.css": Asset(bytes: PackageResources.dashboard_css, contentType: "text/css; charset=utf-8"),
        "dashboard.js": Asset(bytes: PackageResources.dashboard_js, contentType: "text/javascript; charset=utf-8"),
    ]
}
