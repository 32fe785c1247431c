/// The index definitions every installation has.
package enum Indexes {
    /// The default index: the equal-weighted top 100 (`ew100`).
    package static let defaultID = "ew100"
    /// The same with total return (`ew100-tr`).
    package static let totalReturnID = "ew100-tr"
    /// The ids of the built-in definitions, which cannot be removed.
    package static let builtInIDs: Set<String> = [defaultID, totalReturnID]
}
