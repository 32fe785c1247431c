/// How much of the stored series a build trusts.
package enum BuildMode: Sendable, Equatable {
    /// Trusts stored results that are complete: starts at the arrived session (or the earliest incomplete one before
    /// it), reuses stored returns whose inputs did not change and stops once a result after the arrived session is
    /// unchanged.
    case incremental
    /// Trusts no stored result: recomputes every session of the series from its stored rows, from the base through
    /// the last contiguous session, emitting every result that differs. For a redelivered arrival after a crash that
    /// may have left a plan half stored, and for an operator's rebuild.
    case rebuild
}
