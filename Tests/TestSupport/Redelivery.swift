import Contracts
import NATSClient
import Pipeline

/// Plays JetStream's redelivery of one message to a stage and settles each delivery as ``ConsumerRunner`` does
/// (``Settlement``): delivery 1, 2, … until the message is acknowledged, dead-lettered or kept, which the consumer's
/// `maxDeliver` bounds. Returns the settlement of every delivery, in order; the delays are not waited.
package func redeliver<Message: PipelineMessage>(
    _ message: Message, to stage: StageConsumer<Message>, options: ConsumerRunnerOptions = ConsumerRunnerOptions()
) async throws -> [Settlement] {
    let maxDeliver = stage.consumer.maxDeliver
    var settlements: [Settlement] = []
    for deliveries in 1...maxDeliver {
        let outcomes = await stage.deliver([try FakeDelivery(message, deliveries: deliveries)])
        guard let outcome = outcomes.first else { preconditionFailure("the stage returned no outcome") }
        let settlement = Settlement(
            outcome, deliveries: deliveries, maxDeliver: maxDeliver, nakDelay: options.nakDelay)
        settlements.append(settlement)
        switch settlement {
        case .redeliver, .handBack: continue
        case .acknowledge, .deadLetter, .keep: return settlements
        }
    }
    return settlements
}
