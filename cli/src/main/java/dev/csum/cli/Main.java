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
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code csum} command. {@link #run} is the whole program (tests call it); {@link #main} only
 * adds {@code System.exit}. A new subcommand is one line in {@link #COMMANDS}: it inherits
 * {@code --help}, {@code --version}, {@code --verbose}, the exit-status footer and the one-line
 * error reporting; it reaches the streams through {@code @ParentCommand Main}.
 */
@Command(name = "csum", scope = ScopeType.INHERIT, mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class, footer = ExitCode.FOOTER, sortOptions = false,
    description = "A checksumming block volume: every block written carries a checksum, every read verifies it.")
public final class Main implements Callable<Integer> {
    /**
     * The commands by name, in the order {@code csum --help} lists them. picocli builds a command's
     * model (every option, converter and help text, by reflection) when it is registered, which
     * costs more than the JVM's own start; so {@link #run} registers only the command the line
     * names ({@link #commandsFor}), and all of them only when it needs the list (top-level help, an
     * unknown command to suggest a name for). Each name must be its class's {@code @Command} name
     * (MainTest checks it).
     */
    static final Map<String, Class<?>> COMMANDS;

    static {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("format", FormatCommand.class);
        commands.put("status", StatusCommand.class);
        commands.put("convert", ConvertCommand.class);
        commands.put("resize", ResizeCommand.class);
        commands.put("write", WriteCommand.class);
        commands.put("read", ReadCommand.class);
        commands.put("scrub", ScrubCommand.class);
        commands.put("discard", DiscardCommand.class);
        commands.put("bench", BenchCommand.class);
        commands.put("serve", ServeCommand.class);
        commands.put("demo", DemoCommand.class);
        commands.put("torture", TortureCommand.class);
        commands.put("help", CommandLine.HelpCommand.class);
        COMMANDS = Collections.unmodifiableMap(commands);
    }

    /** The top-level options that take no command and need none registered. */
    private static final Set<String> VERSION_OR_VERBOSE = Set.of("-V", "--version", "--verbose");

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
        int status = run(System.in, System.out, LauncherStderr.install(), args);
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
        for (String name : commandsFor(args)) {
            commandLine.addSubcommand(name, COMMANDS.get(name));
        }
        commandLine.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        commandLine.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        commandLine.setParameterExceptionHandler((failure, arguments) -> {
            CommandLine where = failure.getCommandLine();
            String name = where.getCommandSpec().qualifiedName();
            err.println(name + ": " + usageMessage(failure) + " (see '" + name + " --help')");
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

    /**
     * The commands to register for {@code args}: the one named by the first argument that is not an
     * option (and, after {@code help}, the one named next); none for {@code --version}; all of them
     * otherwise, so help lists them and picocli can suggest a name for a mistyped one.
     */
    static List<String> commandsFor(String... args) {
        List<String> words = Arrays.stream(args).filter(arg -> !arg.startsWith("-")).limit(2).toList();
        if (words.isEmpty() && VERSION_OR_VERBOSE.containsAll(Arrays.asList(args))) {
            return List.of();
        }
        if (words.isEmpty() || !COMMANDS.containsKey(words.get(0))) {
            return List.copyOf(COMMANDS.keySet());
        }
        String command = words.get(0);
        if (!command.equals("help")) {
            return List.of(command);
        }
        return words.size() == 2 && COMMANDS.containsKey(words.get(1)) ? List.of(words.get(1), command)
            : List.copyOf(COMMANDS.keySet());
    }

    /**
     * The message for a command line picocli could not parse. An unknown option is named first even
     * when picocli found something else wrong too: in {@code csum read vol -l 4k -o copy.bin}, the
     * root cause is {@code -o}, not the {@code --offset} it left missing.
     */
    private static String usageMessage(CommandLine.ParameterException failure) {
        String message = oneLine(failure.getMessage());
        if (failure instanceof CommandLine.UnmatchedArgumentException) {
            return message;
        }
        for (String argument : failure.getCommandLine().getUnmatchedArguments()) {
            if (argument.startsWith("-") && argument.length() > 1) {
                return "Unknown option: '" + argument + "'; " + message;
            }
        }
        return message;
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
