import Contracts
import Foundation

/// A message that travels on a JetStream stream: the pipeline layer derives its subject and its de-duplication id
/// from the message itself, so no publisher spells either.
package protocol PipelineMessage: WireMessage {
    /// The subject it is published on.
    var subject: String { get }
    /// The JetStream de-duplication id of a message with this encoded body; nil for none (every publish is stored).
    func messageID(body: Data) -> String?
}

extension PipelineMessage {
    /// A replay's messages carry the replay id in their message id: a deliberate replay of content published
    /// minutes ago must not be swallowed by the duplicate window (NATS-NOTES trap 4).
    fileprivate static func suffix(_ replay: ReplayMark?) -> String { replay.map { ":\($0.replayID)" } ?? "" }
}

extension PriceBatch: PipelineMessage {
    /// `prices.raw.<date>`.
    package var subject: String { Subjects.pricesRaw(date) }

    /// The batch (a content hash) and the chunk: the same delivery published twice is stored once.
    package func messageID(body: Data) -> String? {
        "raw:\(batchID):\(chunk.index)/\(chunk.count)" + Self.suffix(replay)
    }
}

extension ValidatedBatch: PipelineMessage {
    /// `prices.valid.<date>`.
    package var subject: String { Subjects.pricesValid(date) }

    /// The raw batch it came from.
    package func messageID(body: Data) -> String? { "valid:\(batchID)" + Self.suffix(replay) }
}

extension RejectionBatch: PipelineMessage {
    /// `prices.rejected.<date>`.
    package var subject: String { Subjects.pricesRejected(date) }

    /// The raw batch it came from (a replay's rejections travel with the replayed batch's id).
    package func messageID(body: Data) -> String? { "rejected:\(batchID)" + Self.suffix(replay) }
}

extension IndexResult: PipelineMessage {
    /// `index.computed.<index>.<date>`.
    package var subject: String { Subjects.indexComputed(index, date) }

    /// The index, the session and the content: a recomputed session with another outcome is a new message.
    package func messageID(body: Data) -> String? { "index:\(index):\(date):\(ContentHash.hex(body))" }
}

extension CompositionEvent: PipelineMessage {
    /// `composition.changed.<index>.<date>`.
    package var subject: String { Subjects.compositionChanged(index, date) }

    /// The index, the session and the content.
    package func messageID(body: Data) -> String? { "changes:\(index):\(date):\(ContentHash.hex(body))" }
}

extension ReplayRequest: PipelineMessage {
    /// `replay.requested.<id>`.
    package var subject: String { Subjects.replayRequested(replayID) }

    /// The replay id: the same request published twice within the duplicate window is stored once.
    package func messageID(body: Data) -> String? { replayID }
}

extension JobRecord: PipelineMessage {
    /// `jobs.state.<id>`.
    package var subject: String { Subjects.jobState(id) }

    /// None: every state change is kept, and the latest one is the job.
    package func messageID(body: Data) -> String? { nil }
}
