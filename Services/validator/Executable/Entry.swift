import ArgumentParser
import ValidatorService
import ServiceSupport

/// The process entry point.
@main
enum Entry {
    static func main() async {
        await ServiceCommand<Validator>.main()
    }
}
