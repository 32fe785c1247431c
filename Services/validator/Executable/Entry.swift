import ArgumentParser
import ServiceSupport
import ValidatorService

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<Validator>.main()
    }
}
