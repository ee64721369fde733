import ArgumentParser
import SfunnelLoader

/// Maps the loader's typed errors to cli.md's exit statuses, after printing
/// the message (which says what to do).
enum LoaderFailure {
    static func exit(_ error: LoaderError) -> ExitCode {
        Console.error("error: \(error)")
        return error.isVerifierRejection ? ExitStatus.invalidInput.exitCode : ExitStatus.environment.exitCode
    }
}
