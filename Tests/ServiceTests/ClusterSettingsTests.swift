import ArgumentParser
import Foundation
import NATSClient
import Pipeline
import ServiceSupport
import StorageService
import Testing

/// The settings of a stack that grows past one process: stream replicas and storage's hold on its data directory.
@Suite("Cluster settings")
struct ClusterSettingsTests {
    @Test("NATS_REPLICAS is 1 by default, 1 to 5 from the environment or --nats-replicas, and named when invalid")
    func natsReplicas() throws {
        #expect(try ServiceConfiguration(environment: [:]).natsReplicas == 1)
        #expect(try ServiceConfiguration(environment: ["NATS_REPLICAS": "3"]).natsReplicas == 3)
        #expect(try ServiceConfiguration(environment: ["NATS_REPLICAS": "5"]).natsReplicas == 5)
        for bad in ["0", "6", "three", "-1", "3.0"] {
            let error = #expect(throws: ConfigurationError.self, "\(bad)") {
                try ServiceConfiguration(environment: ["NATS_REPLICAS": bad])
            }
            #expect(error?.description == "NATS_REPLICAS=\(bad) is invalid: expected an integer in 1...5")
        }
        let options = try CommonOptions.parse(["--nats-replicas", "5"])
        #expect(try options.configuration(service: "validator", environment: ["NATS_REPLICAS": "3"]).natsReplicas == 5)
        #expect(throws: ConfigurationError.self) {
            try CommonOptions.parse(["--nats-replicas", "9"]).configuration(service: "validator", environment: [:])
        }
    }

    @Test("replicated(n) keeps every stream on n servers and changes nothing else")
    func replicatedTopology() {
        let replicated = Topology.pipeline.replicated(3)
        #expect(Topology.pipeline.streams.allSatisfy { $0.replicas == 1 })
        #expect(replicated.streams.allSatisfy { $0.replicas == 3 })
        #expect(
            replicated.streams.map {
                var stream = $0
                stream.replicas = 1
                return stream
            } == Topology.pipeline.streams)
        #expect(replicated.consumers == Topology.pipeline.consumers)
    }

    @Test("a second storage lock on one data directory is refused naming the holder; released, it is free again")
    func storageLock() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var first: StorageLock? = try StorageLock(dataDirectory: folder)
        #expect(first?.path == folder + "/storage.lock")
        let error = #expect(throws: StorageLockError.self) { try StorageLock(dataDirectory: folder) }
        #expect(error?.description.contains("another storage process (pid \(getpid())) uses this DATA_DIR") == true)
        first = nil
        #expect(throws: Never.self) { _ = try StorageLock(dataDirectory: folder) }
    }
}
