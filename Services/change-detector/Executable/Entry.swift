import ArgumentParser
import ChangeDetectorService
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<ChangeDetector>.main()
    }
}
