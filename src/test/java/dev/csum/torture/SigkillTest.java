package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.csum.FormatOptions;
import dev.csum.IntegrityException;
import dev.csum.IoEngine;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGKILL of a real writing process, {@value #KILL_POINTS} times: a {@link KillTarget} child JVM
 * writes versioned blocks to a volume on io_uring (default durability, {@value KillTarget#DEPTH}
 * writes in flight, flushes now and then) and journals each write before issuing it and once it
 * completed; after a seeded 50–800 ms of writing it is SIGKILLed ({@link Process#destroyForcibly()},
 * checked by its exit status 128 + 9). Then this process opens the volume writable (recovery
 * replays the log) and reads every block: each must read as its last acknowledged version, or a
 * later version the child had issued (a write in flight, or completed but not yet journaled) —
 * never an older version, never other data, never an integrity error: a killed process loses
 * nothing the kernel accepted, so no block may be lost. Never-written blocks read as zeros.
 *
 * <p>Most kill points reuse the volume of the one before (so each open also recovers from the
 * previous kill's state, as checked and then closed); every {@value #FRESH_VOLUME_EVERY}th formats
 * a fresh one. The volume's log is small ({@value #LOG_BLOCKS} blocks), so the children's writes
 * run checkpoint rounds and wrap the log many times: kills land in checkpoints too.
 */
class SigkillTest {
    /** Times a writing child is killed. */
    static final int KILL_POINTS = 20;
    /** Every this many kill points, a freshly formatted volume. */
    static final int FRESH_VOLUME_EVERY = 5;
    /** The tuple log's size in blocks: small, so the children's writes run many checkpoint rounds. */
    static final int LOG_BLOCKS = 32;
    private static final long VOLUME_BYTES = 16L << 20;
    private static final int BLOCK_SIZE_BYTES = 4096;
    /** The children write the first this many blocks; the rest of the volume stays never written. */
    private static final long HOT_BLOCKS = 2048;
    /** Each child's versions start at its kill point times this, above every earlier child's. */
    private static final long VERSIONS_PER_CHILD = 1L << 40;
    private static final int SIGKILL_EXIT_STATUS = 128 + 9;
    /** Violations listed in the failure (all are counted). */
    private static final int MAX_VIOLATIONS_LISTED = 20;

    /** Violations found: the first {@link #MAX_VIOLATIONS_LISTED} listed, all counted. */
    private static final class Violations {
        final List<String> listed = new ArrayList<>();
        long count;

        void add(String detail) {
            if (count++ < MAX_VIOLATIONS_LISTED) {
                listed.add(detail);
            }
        }
    }

    /** What one child did, from its journal. */
    private record Journal(Map<Long, long[]> issued, List<Long> acknowledged) {
    }

    @Test
    void twentyKillsOfAWritingProcessLoseNoAcknowledgedWrite() throws Exception {
        Path directory = Files.createTempDirectory(Path.of("/var/tmp"), "csum-sigkill");
        SplittableRandom random = new SplittableRandom(20261203);
        Path volume = directory.resolve("volume.img");
        long[] baseline = null;
        long acknowledgedTotal = 0;
        long laterVersionsRead = 0;
        Violations violations = new Violations();
        try {
            for (int point = 0; point < KILL_POINTS; point++) {
                if (point % FRESH_VOLUME_EVERY == 0) {
                    baseline = format(volume);
                }
                Path journalPath = directory.resolve("journal-" + point + ".txt");
                long killAfterMillis = 50 + random.nextInt(751);
                long startupMillis = runAndKill(volume, journalPath, random.nextLong(), (point + 1) * VERSIONS_PER_CHILD,
                    killAfterMillis);
                Journal journal = readJournal(journalPath);
                long[] expected = acknowledgedVersions(journal, baseline);
                long[] read = new long[baseline.length];
                laterVersionsRead += check(volume, journal, expected, read, point, violations);
                acknowledgedTotal += journal.acknowledged().size();
                System.out.printf("kill point %d: started writing in %d ms, killed %d ms later: %d writes issued, "
                    + "%d acknowledged%n", point, startupMillis, killAfterMillis, journal.issued().size(),
                    journal.acknowledged().size());
                baseline = read; // the check closed the volume cleanly: this is its state now
            }
            System.out.printf("sigkill: %d kill points, %d acknowledged writes, %d blocks read as a later "
                + "unacknowledged version, %d violations%n", KILL_POINTS, acknowledgedTotal, laterVersionsRead,
                violations.count);
            assertEquals(List.of(), violations.listed);
        } finally {
            CrashReplayTest.deleteDirectory(directory);
        }
    }

    /** Formats a fresh volume at {@code path}; returns the version of every data block: all never written. */
    private static long[] format(Path path) throws IOException {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(new byte[1]), VOLUME_BYTES - 1);
        }
        long blocks = Volume.format(FormatOptions.of(path).withBlockSizeBytes(BLOCK_SIZE_BYTES)
            .withLogSizeBytes((long) LOG_BLOCKS * BLOCK_SIZE_BYTES).withOverwrite(true)).dataBlockCount();
        return new long[(int) blocks];
    }

    /**
     * Starts a child, lets it write for {@code millis} once it has started writing, and SIGKILLs it.
     * Returns how long the child took to start writing, in milliseconds.
     */
    private static long runAndKill(Path volume, Path journal, long seed, long firstVersion, long millis)
            throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector",
            // Quick to start and to warm up on a loaded machine: the kill comes 50-800 ms after the first write.
            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData", "-Xmx256m",
            "-cp", System.getProperty("java.class.path"), KillTarget.class.getName(), volume.toString(),
            journal.toString(), Long.toString(seed), Long.toString(firstVersion), Long.toString(HOT_BLOCKS));
        Path output = journal.resolveSibling(journal.getFileName() + ".out");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
            .start();
        long started = System.nanoTime();
        long deadline = started + TimeUnit.SECONDS.toNanos(60);
        while (!Files.readString(output).contains("WRITING\n")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly().waitFor();
                fail("the writing process did not start writing: " + Files.readString(output));
            }
            Thread.sleep(5);
        }
        long startupMillis = (System.nanoTime() - started) / 1_000_000;
        Thread.sleep(millis);
        boolean aliveWhenKilled = process.isAlive();
        process.destroyForcibly();
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the killed process exited");
        assertTrue(aliveWhenKilled, "the writing process died before it was killed: " + Files.readString(output));
        assertEquals(SIGKILL_EXIT_STATUS, process.exitValue(), "killed by SIGKILL (destroyForcibly); output: "
            + Files.readString(output));
        return startupMillis;
    }

    /**
     * Reads a child's journal: each line was one {@code write(2)} ending in a newline, so whatever
     * follows the last newline (none expected) is an unfinished line and ignored.
     */
    private static Journal readJournal(Path path) throws IOException {
        String text = Files.readString(path, StandardCharsets.US_ASCII);
        Map<Long, long[]> issued = new HashMap<>();
        List<Long> acknowledged = new ArrayList<>();
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split(" ");
            if (fields[0].equals("I") && fields.length == 4) {
                issued.put(Long.parseLong(fields[1]), new long[] {Long.parseLong(fields[2]), Long.parseLong(fields[3])});
            } else if (fields[0].equals("A") && fields.length == 2) {
                acknowledged.add(Long.parseLong(fields[1]));
            } else {
                throw new IOException("journal line not understood: " + line);
            }
        }
        return new Journal(issued, acknowledged);
    }

    /** Per block: its version before this child, raised to the newest version the child acknowledged. */
    private static long[] acknowledgedVersions(Journal journal, long[] baseline) {
        long[] expected = baseline.clone();
        for (long version : journal.acknowledged()) {
            long[] range = journal.issued().get(version);
            for (long block = range[0]; block < range[0] + range[1]; block++) {
                expected[(int) block] = Math.max(expected[(int) block], version);
            }
        }
        return expected;
    }

    /**
     * Opens the volume writable (recovering it), reads every block into {@code read} and checks it;
     * returns the blocks that read as a later version than the acknowledged one.
     */
    private static long check(Path path, Journal journal, long[] expected, long[] read, int point,
                              Violations violations) throws IOException {
        long later = 0;
        try (Arena arena = Arena.ofShared();
             Volume volume = Volume.open(VolumeOptions.of(path).withIoEngine(IoEngine.IO_URING))) {
            int chunkBlocks = 256;
            MemorySegment buffer = arena.allocate((long) chunkBlocks * BLOCK_SIZE_BYTES, 4096);
            for (long first = 0; first < read.length; first += chunkBlocks) {
                int count = (int) Math.min(chunkBlocks, read.length - first);
                MemorySegment slice = buffer.asSlice(0, (long) count * BLOCK_SIZE_BYTES);
                try {
                    volume.readBlocking(first * BLOCK_SIZE_BYTES, slice);
                } catch (IntegrityException e) {
                    violations.add("kill point " + point + ": integrity error on blocks "
                        + Arrays.toString(e.badBlocks()));
                    Arrays.fill(read, (int) first, (int) first + count, BlockPattern.GARBAGE);
                    continue;
                }
                for (int i = 0; i < count; i++) {
                    long block = first + i;
                    long version = BlockPattern.decode(slice, (long) i * BLOCK_SIZE_BYTES, BLOCK_SIZE_BYTES, block);
                    read[(int) block] = version;
                    if (version == expected[(int) block]) {
                        continue;
                    }
                    if (version > expected[(int) block] && issuedOver(journal, version, block)) {
                        later++;
                    } else {
                        violations.add("kill point " + point + ": block " + block
                            + " reads version " + version + ", acknowledged " + expected[(int) block]);
                    }
                }
            }
        }
        return later;
    }

    private static boolean issuedOver(Journal journal, long version, long block) {
        long[] range = journal.issued().get(version);
        return range != null && block >= range[0] && block < range[0] + range[1];
    }
}
