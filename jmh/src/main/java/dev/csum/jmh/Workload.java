package dev.csum.jmh;

import java.util.SplittableRandom;

/**
 * One I/O workload, named like fio's options: {@code RW-BS-QD}, for example {@code randread-4k-32}
 * (4 KiB random reads, 32 in flight) or {@code write-128k-32} (128 KiB sequential writes).
 *
 * <p>Offsets: random ones are uniform over the whole target, aligned to the block size (like fio's
 * {@code randread}); sequential ones walk the target from 0 and wrap. An {@link Offsets} is used by
 * one thread at a time.
 */
record Workload(String name, boolean write, boolean random, int blockBytes, int queueDepth) {

    static Workload parse(String name) {
        String[] parts = name.split("-");
        if (parts.length != 3) {
            throw new IllegalArgumentException("workload " + name + " is not RW-BS-QD, e.g. randread-4k-32");
        }
        boolean write = switch (parts[0]) {
            case "read", "randread" -> false;
            case "write", "randwrite" -> true;
            default -> throw new IllegalArgumentException("unknown rw " + parts[0]);
        };
        boolean random = parts[0].startsWith("rand");
        String size = parts[1].toLowerCase(java.util.Locale.ROOT);
        int blockBytes = size.endsWith("k") ? Integer.parseInt(size.substring(0, size.length() - 1)) * 1024
                : Integer.parseInt(size);
        return new Workload(name, write, random, blockBytes, Integer.parseInt(parts[2]));
    }

    /** A fresh offset generator over {@code targetBytes} (seeded: runs are repeatable). */
    Offsets offsets(long targetBytes, long seed) {
        return new Offsets(this, targetBytes / blockBytes, new SplittableRandom(seed));
    }

    /** Next offset in bytes; not thread-safe (each thread owns one, sequential ones share a cursor). */
    static final class Offsets {
        private final Workload workload;
        private final long blockCount;
        private final SplittableRandom random;
        private long nextBlock;

        Offsets(Workload workload, long blockCount, SplittableRandom random) {
            if (blockCount < workload.queueDepth) {
                throw new IllegalArgumentException("target too small for " + workload.name);
            }
            this.workload = workload;
            this.blockCount = blockCount;
            this.random = random;
        }

        long next() {
            long block;
            if (workload.random) {
                block = random.nextLong(blockCount);
            } else {
                block = nextBlock;
                nextBlock = nextBlock + 1 == blockCount ? 0 : nextBlock + 1;
            }
            return block * workload.blockBytes;
        }
    }
}
