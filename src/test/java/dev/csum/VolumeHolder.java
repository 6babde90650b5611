package dev.csum;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * A second process for the locking tests: opens a volume, does one thing that could drop a lock,
 * prints {@code READY <what happened>} and holds the volume until its stdin closes.
 *
 * <p>Usage: {@code VolumeHolder ACTION DATA [read-only|writable] [EXTRA]}. Actions:
 * {@code hold} (nothing), {@code read-stream} (the application opens and closes the volume's file),
 * {@code format} ({@code Volume.format} on the open path, with force), {@code open-link EXTRA} (open
 * again through a hard or symbolic link), {@code open-proc-fd} (open again through /proc/self/fd).
 */
public final class VolumeHolder {
    private VolumeHolder() {
    }

    public static void main(String[] args) throws Exception {
        String action = args[0];
        Path data = Path.of(args[1]);
        boolean readOnly = args.length > 2 && args[2].equals("read-only");
        try (Volume volume = Volume.open(VolumeOptions.of(data).withReadOnly(readOnly))) {
            String outcome = switch (action) {
                case "hold" -> "held";
                case "read-stream" -> {
                    try (InputStream in = Files.newInputStream(data)) {
                        yield "read " + in.readNBytes(16).length + " bytes through another descriptor";
                    }
                }
                case "format" -> attempt(() -> Volume.format(FormatOptions.of(data).withOverwrite(true)));
                case "open-link" -> attempt(() -> Volume.open(VolumeOptions.of(Path.of(args[3]))).close());
                case "open-proc-fd" -> {
                    try (InputStream in = Files.newInputStream(data)) {
                        yield attempt(() -> Volume.open(VolumeOptions.of(procFdOf(data))).close());
                    }
                }
                default -> throw new IllegalArgumentException("unknown action " + action);
            };
            System.out.println("READY " + outcome);
            System.out.flush();
            try (BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                while (stdin.readLine() != null) {
                    // hold until the test closes our stdin
                }
            }
        }
        System.out.println("CLOSED");
    }

    private interface Attempt {
        void run() throws Exception;
    }

    /** Runs something that must be refused; returns "refused: <exception>" or "ACCEPTED". */
    private static String attempt(Attempt attempt) {
        try {
            attempt.run();
            return "ACCEPTED";
        } catch (Exception refused) {
            return "refused: " + refused.getClass().getSimpleName() + ": " + refused.getMessage();
        }
    }

    /** A /proc/self/fd path of some descriptor of {@code data} this process has open. */
    private static Path procFdOf(Path data) throws Exception {
        Path real = data.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : (Iterable<Path>) fds::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).equals(real)) {
                        return fd;
                    }
                } catch (java.io.IOException gone) {
                    // the directory listing's own descriptor, closed by now
                }
            }
        }
        throw new IllegalStateException("no descriptor of " + real + " in /proc/self/fd");
    }
}
