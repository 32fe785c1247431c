import Contracts
import Foundation
import NATSClient
import Synchronization
import TradingCalendar

/// A message no consumer could handle, as the pipeline layer reads it off `dlq.<subject>`: what it was for and why.
package struct DeadLetter: Sendable, Equatable {
    /// The subject the message was first published to.
    package var subject: String
    /// Why it was dead-lettered.
    package var reason: String
    /// When this process received the letter.
    package var receivedAt: Date
    /// The session the message was for, when it was a session's message.
    package var sessionDate: SessionDate?
    /// The replay it asked for, when it was a replay request.
    package var replayID: String?

    /// A dead letter of a message published on `subject`.
    package init(subject: String, reason: String, receivedAt: Date) {
        self.subject = subject
        self.reason = reason
        self.receivedAt = receivedAt
        let address = Subjects.address(of: subject)
        sessionDate = address.date
        replayID = address.replayID
    }

    /// Whether the letter belongs to a run that follows `replayID` or the sessions `dates`.
    package func concerns(replayID: String?, dates: Set<SessionDate>) -> Bool {
        if let replayID, self.replayID == replayID { return true }
        return sessionDate.map(dates.contains) ?? false
    }
}

/// The dead letters this process has seen.
package protocol DeadLetterWatching: Sendable {
    /// The letters received at or after `date`, oldest first.
    func letters(since date: Date) -> [DeadLetter]
}

/// Dead letters as they are published, kept in memory (the newest 10,000): a core subscription to `dlq.>`.
package final class DeadLetterFeed: DeadLetterWatching {
    private let letters = Mutex<[DeadLetter]>([])
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    private let now: @Sendable () -> Date

    /// A feed; call ``start(on:)`` before the runs it serves publish anything.
    package init(now: @escaping @Sendable () -> Date = { Date() }) {
        self.now = now
    }

    /// Subscribes to every dead letter on `connection` (the subscription is registered when this returns).
    package func start(on connection: NATSConnection) throws {
        let subscription = try connection.subscribe(Subjects.Wildcard.deadLetters)
        let started = Task { [weak self] in
            for await message in subscription {
                guard let self else { return }
                let subject =
                    message.headers[NATSHeader.deadLetterSubject]
                    ?? String(message.subject.dropFirst(DeadLetters.subject(for: "").count))
                self.record(
                    DeadLetter(
                        subject: subject, reason: message.headers[NATSHeader.deadLetterReason] ?? "no reason given",
                        receivedAt: self.now()
                    ))
            }
        }
        task.withLock { $0 = started }
    }

    /// Keeps a letter (the oldest go past 10,000).
    package func record(_ letter: DeadLetter) {
        letters.withLock {
            $0.append(letter)
            if $0.count > 10_000 { $0.removeFirst($0.count - 10_000) }
        }
    }

    package func letters(since date: Date) -> [DeadLetter] {
        letters.withLock { $0.filter { $0.receivedAt >= date } }
    }

    /// Stops listening.
    package func stop() {
        task.withLock { $0?.cancel() }
    }

    deinit { task.withLock { $0?.cancel() } }
}
