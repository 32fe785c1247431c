import ServiceSupport
import Testing

@Suite("Allocator tuning")
struct MemoryTuningTests {
    @Test("a service limits glibc's arenas to 2 unless MALLOC_ARENA_MAX is set, which glibc then applies itself")
    func arenas() {
        #expect(MemoryTuning.limitArenas(environment: [:]) == 2)
        #expect(MemoryTuning.limitArenas(environment: ["MALLOC_ARENA_MAX": ""]) == 2)
        #expect(MemoryTuning.limitArenas(environment: ["MALLOC_ARENA_MAX": "4"]) == nil)
    }
}
