import ArgumentParser
import SfunnelLoader

/// Maps the loader's typed errors to cli.md's exit statuses, after printing
/// the message (which says what to do).
enum LoaderFailure {
    static func exit(_ error: LoaderError) -> ExitCode {
        Console.error("error: \(error)")
        if case .tcxProgramName = error { return ExitStatus.invalidInput.exitCode }  // the object, not the machine
        return error.isVerifierRejection ? ExitStatus.invalidInput.exitCode : ExitStatus.environment.exitCode
    }
}
