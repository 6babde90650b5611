package dev.csum.cli;

/**
 * The exit statuses of every csum command (also in each command's {@code --help} and docs/CLI.md).
 */
public final class ExitCode {
    /** Success; for scrub and read: every block verified. */
    public static final int OK = 0;
    /** Integrity errors: a read or scrub found blocks whose checksum does not match. */
    public static final int INTEGRITY = 1;
    /** Bad usage or bad input: unknown option, malformed size, not a volume, unaligned offset, port in use... */
    public static final int USAGE = 2;
    /** An I/O or device error: a device or file could not be read or written, the volume is in use. */
    public static final int IO = 3;
    /** An internal error (a bug): run again with --verbose and report the stack trace. */
    public static final int INTERNAL = 4;

    /** The footer every command's help ends with. */
    static final String FOOTER = "%nExit status: 0 ok, 1 integrity errors found (checksum mismatch), "
        + "2 bad usage or bad input, 3 I/O or device error, 4 internal error.";

    private ExitCode() {
    }
}
