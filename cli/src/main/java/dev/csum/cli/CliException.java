package dev.csum.cli;

/** A failure to report as one line on stderr with a given exit status (see {@link ExitCode}). */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int exitCode;

    CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    CliException(int exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    static CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message);
    }

    int exitCode() {
        return exitCode;
    }
}
