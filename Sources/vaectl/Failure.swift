import ArgumentParser
import VAEClient
import VAEFiles

/// The exit statuses vaectl documents.
enum ExitStatus: Int32 {
    case success = 0
    /// The daemon answered with an error.
    case daemonError = 1
    /// Bad arguments, or an input or output file that cannot be used: sysexits' EX_USAGE, as for vae and vaed (and
    /// swift-argument-parser's default).
    case usage = 64
    /// No daemon to talk to, or the conversation broke off.
    case cannotConnect = 3
}

/// An error as the user sees it: one line and an exit status.
struct Failure: Error {
    let status: ExitStatus
    let message: String

    init(_ status: ExitStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    static let hint = "is vaed running? start it with: vaed --model NAME=FILE"

    /// The user's view of an error from the client library; nil for argument-parser's own errors.
    init?(_ error: Error) {
        switch error {
        case let failure as Failure:
            self = failure
        case let error as DaemonError:
            self.init(.daemonError, error.description)
        case let error as ConnectionError:
            self.init(.cannotConnect, error.code == .cannotConnect ? "\(error.message) (\(Self.hint))" : error.message)
        case let error as InputError:
            self.init(.usage, error.message)
        case let error as DataError:
            self.init(.usage, error.message)
        default:
            return nil
        }
    }
}
