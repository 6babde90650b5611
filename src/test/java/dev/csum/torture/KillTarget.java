package dev.csum.torture;

import dev.csum.IoEngine;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.FileOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;

/**
 * The process {@link SigkillTest} kills: opens a volume (default durability, io_uring) and writes
 * to it until it is killed, a seeded stream of {@link BlockPattern} blocks, each write a new version,
 * with {@value #DEPTH} writes in flight and a flush now and then.
 *
 * <p>It keeps a journal (the acknowledgement file), one {@code write(2)} per line, so the lines
 * survive a SIGKILL without any sync: {@code I version firstBlock blockCount} before a write is
 * issued, {@code A version} when it has completed successfully. A failed write or flush prints
 * {@code FAILED} and exits with status 3.
 *
 * <p>Usage: {@code KillTarget VOLUME JOURNAL SEED FIRST_VERSION HOT_BLOCKS}; prints {@code WRITING}
 * once the volume is open and the first write was issued.
 */
public final class KillTarget {
    /** Writes in flight at once. */
    static final int DEPTH = 24;
    /** A flush is issued after every this many writes. */
    static final int WRITES_PER_FLUSH = 64;
    /** The longest write, in blocks (some span a group boundary). */
    static final int MAX_WRITE_BLOCKS = 64;

    private KillTarget() {
    }

    public static void main(String[] args) throws Exception {
        Path volumePath = Path.of(args[0]);
        Path journalPath = Path.of(args[1]);
        SplittableRandom random = new SplittableRandom(Long.parseLong(args[2]));
        long version = Long.parseLong(args[3]);
        long hotBlocks = Long.parseLong(args[4]);
        Volume volume = Volume.open(VolumeOptions.of(volumePath).withIoEngine(IoEngine.IO_URING));
        int blockSize = volume.blockSizeBytes();
        Semaphore slots = new Semaphore(DEPTH);
        try (FileOutputStream journal = new FileOutputStream(journalPath.toFile(), true)) {
            MemorySegment buffer = Arena.ofAuto().allocate((long) MAX_WRITE_BLOCKS * blockSize, 4096);
            for (long written = 0; ; written++) {
                slots.acquire();
                int count = random.nextInt(10) == 0 ? 1 + random.nextInt(MAX_WRITE_BLOCKS) : 1 + random.nextInt(8);
                long first = random.nextLong(hotBlocks - count + 1);
                long thisVersion = version++;
                for (int i = 0; i < count; i++) {
                    BlockPattern.fill(buffer, (long) i * blockSize, blockSize, thisVersion, first + i);
                }
                line(journal, "I " + thisVersion + " " + first + " " + count);
                // The volume copies the data before write returns: the buffer is reused at once.
                volume.write(first * blockSize, (long) count * blockSize, buffer, null, (token, failure) -> {
                    if (failure != null) {
                        fail("write of version " + token, failure);
                    }
                    line(journal, "A " + token);
                    slots.release();
                }, thisVersion);
                if (written == 0) {
                    System.out.println("WRITING");
                    System.out.flush();
                }
                if (written % WRITES_PER_FLUSH == WRITES_PER_FLUSH - 1) {
                    volume.flush((token, failure) -> {
                        if (failure != null) {
                            fail("flush", failure);
                        }
                    }, 0);
                }
            }
        }
    }

    /** Appends one line with one {@code write(2)}: the kernel keeps it when the process is killed. */
    private static void line(FileOutputStream journal, String text) {
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            synchronized (journal) {
                journal.write(bytes);
            }
        } catch (IOException e) {
            fail("journal", e);
        }
    }

    private static void fail(String what, Throwable failure) {
        System.out.println("FAILED " + what + ": " + failure);
        System.out.flush();
        Runtime.getRuntime().halt(3);
    }
}
