import Contracts

/// What the validator makes of one batch: the valid rows and the rejections, each in the batch's order.
package struct ValidationOutcome: Sendable, Equatable {
    /// The rows that passed, with market cap resolved and flags set.
    package var valid: [ValidRow]
    /// The rows that failed, each with its first broken rule and its position in the batch.
    package var rejections: [Rejection]

    /// An outcome.
    package init(valid: [ValidRow] = [], rejections: [Rejection] = []) {
        self.valid = valid
        self.rejections = rejections
    }
}
