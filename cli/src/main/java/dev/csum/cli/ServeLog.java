package dev.csum.cli;

/**
 * The server's log lines ({@code System.Logger} "dev.csum.nbd", through java.util.logging) as one
 * line each on stderr: {@code csum serve: WARNING: ...}.
 */
final class ServeLog {
    private ServeLog() {
    }

    /** Sets the one-line format, unless the user configured java.util.logging. Before the first log. */
    static void configure() {
        if (System.getProperty("java.util.logging.config.file") == null
            && System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "csum serve: %4$s: %5$s%6$s%n");
        }
    }
}
