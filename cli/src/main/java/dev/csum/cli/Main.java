package dev.csum.cli;

import dev.csum.IntegrityException;
import dev.csum.InvalidVolumeException;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code csum} command. {@link #run} is the whole program (tests call it); {@link #main} only
 * adds {@code System.exit}. A new subcommand is one line in {@code subcommands} below: it inherits
 * {@code --help}, {@code --version}, {@code --verbose}, the exit-status footer and the one-line
 * error reporting; it reaches the streams through {@code @ParentCommand Main}.
 */
@Command(name = "csum", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class, footer = ExitCode.FOOTER, sortOptions = false,
    description = "A checksumming block volume: every block written carries a checksum, every read verifies it.",
    subcommands = {
        FormatCommand.class,
        StatusCommand.class,
        WriteCommand.class,
        ReadCommand.class,
        ScrubCommand.class,
        BenchCommand.class,
        DemoCommand.class,
        TortureCommand.class,


        CommandLine.HelpCommand.class,
    })
public final class Main implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--verbose", scope = ScopeType.INHERIT,
        description = "Print stack traces with errors.")
    boolean verbose;

    final InputStream in;
    final PrintStream out;
    final PrintStream err;

    Main(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        int status = run(System.in, System.out, System.err, args);
        System.out.flush();
        System.exit(status);
    }

    /** Runs one csum command line, reading stdin from {@code System.in}; returns the exit status. */
    public static int run(PrintStream out, PrintStream err, String... args) {
        return run(System.in, out, err, args);
    }

    /** Runs one csum command line; returns the exit status ({@link ExitCode}). Never exits the JVM. */
    public static int run(InputStream in, PrintStream out, PrintStream err, String... args) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        CommandLine commandLine = new CommandLine(new Main(in, out, err));
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setParameterExceptionHandler((failure, arguments) -> {
            CommandLine where = failure.getCommandLine();
            String name = where.getCommandSpec().qualifiedName();
            err.println(name + ": " + oneLine(failure.getMessage()) + " (see '" + name + " --help')");
            if (verbose) {
                failure.printStackTrace(err);
            }
            return ExitCode.USAGE;
        });
        commandLine.setExecutionExceptionHandler((failure, where, parseResult) -> {
            report(err, where.getCommandSpec().qualifiedName(), failure, verbose);
            return exitCodeOf(failure);
        });
        try {
            return commandLine.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    @Override
    public Integer call() {
        err.println("csum: a command is required (see 'csum --help')");
        return ExitCode.USAGE;
    }

    /** Prints {@code failure} as one line after {@code prefix}, and its stack trace when verbose. */
    static void report(PrintStream err, String prefix, Throwable failure, boolean verbose) {
        err.println(prefix + ": " + describe(failure));
        if (verbose) {
            failure.printStackTrace(err);
        }
    }

    /** The exit status for an exception that ended a command. */
    static int exitCodeOf(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof CliException cli) {
            return cli.exitCode();
        }
        if (cause instanceof IntegrityException) {
            return ExitCode.INTEGRITY;
        }
        if (cause instanceof InvalidVolumeException || cause instanceof IllegalArgumentException
            || cause instanceof NoSuchFileException || cause instanceof NotDirectoryException
            || cause instanceof FileAlreadyExistsException) {
            return ExitCode.USAGE;
        }
        if (cause instanceof IOException || cause instanceof IllegalStateException) {
            return ExitCode.IO;
        }
        return ExitCode.INTERNAL;
    }

    /** One line for an operator: the message without exception class names, or the class when there is none. */
    static String describe(Throwable failure) {
        Throwable cause = unwrap(failure);
        String message;
        if (cause instanceof AccessDeniedException denied) {
            message = denied.getFile() + ": permission denied";
        } else if (cause instanceof NoSuchFileException missing) {
            message = missing.getFile() + ": " + (missing.getReason() == null ? "no such file or directory"
                : missing.getReason());
        } else if (cause instanceof FileSystemException fs && fs.getFile() != null) {
            message = fs.getFile() + ": " + (fs.getReason() == null ? cause.getClass().getSimpleName() : fs.getReason());
        } else if (cause.getMessage() == null || cause.getMessage().isBlank()) {
            message = cause.getClass().getSimpleName();
        } else {
            message = cause.getMessage();
        }
        if (exitCodeOf(cause) == ExitCode.INTERNAL) {
            message = "internal error: " + cause.getClass().getName() + ": " + message
                + " (run with --verbose for the stack trace)";
        }
        return oneLine(message);
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof UncheckedIOException || cause instanceof java.util.concurrent.CompletionException
            || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*[\\r\\n]+\\s*", "; ");
    }

    /** The project version, filtered into version.properties by Maven. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"csum " + projectVersion()};
        }

        static String projectVersion() {
            Properties properties = new Properties();
            try (InputStream stream = Main.class.getResourceAsStream("version.properties")) {
                if (stream != null) {
                    properties.load(stream);
                }
            } catch (IOException e) {
                return "unknown";
            }
            String version = properties.getProperty("version", "unknown");
            return version.startsWith("${") ? "unknown" : version;
        }
    }
}
