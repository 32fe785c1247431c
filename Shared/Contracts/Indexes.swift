/// The index definitions every installation has.
package enum Indexes {
    /// The default index: the equal-weighted top 100 (`ew100`).
    package static let defaultID = "ew100"
}
