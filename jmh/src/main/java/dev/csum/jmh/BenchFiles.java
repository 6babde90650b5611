package dev.csum.jmh;

import dev.csum.FormatOptions;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The files the I/O benchmarks run on, on disk (never tmpfs: O_DIRECT and real device latency),
 * in {@code -Dcsum.jmh.dir} (default {@code /var/tmp/csum-jmh}). Each is created and fully written
 * once (so reads hit the device, not file holes) and reused by later forks and runs; a
 * {@code .ready} marker records that the layout finished.
 */
final class BenchFiles {
    static final Path DIRECTORY = Path.of(System.getProperty("csum.jmh.dir", "/var/tmp/csum-jmh"));
    private static final int CHUNK_BYTES = 1 << 20;

    private BenchFiles() {}

    /** A raw file of {@code sizeBytes} random bytes, for Ring and FileChannel. */
    static synchronized Path rawFile(long sizeBytes) throws IOException {
        Path path = DIRECTORY.resolve("raw-" + sizeBytes + ".img");
        Path ready = DIRECTORY.resolve("raw-" + sizeBytes + ".ready");
        if (Files.exists(ready) && Files.size(path) == sizeBytes) {
            return path;
        }
        Files.createDirectories(DIRECTORY);
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK_BYTES);
        SplittableRandom random = new SplittableRandom(42);
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long offset = 0; offset < sizeBytes; offset += CHUNK_BYTES) {
                chunk.clear();
                while (chunk.remaining() >= Long.BYTES) {
                    chunk.putLong(random.nextLong());
                }
                chunk.flip();
                chunk.limit((int) Math.min(CHUNK_BYTES, sizeBytes - offset));
                while (chunk.hasRemaining()) {
                    channel.write(chunk, offset + chunk.position());
                }
            }
            channel.force(true);
        }
        Files.deleteIfExists(ready);
        Files.createFile(ready);
        return path;
    }

    /**
     * A crc32c volume with 4 KiB blocks on a device of {@code sizeBytes}, every block written once
     * (so reads verify real checksums, as on a volume in use).
     */
    static synchronized Path volume(long sizeBytes) throws IOException {
        Path path = DIRECTORY.resolve("volume-" + sizeBytes + ".csum");
        Path ready = DIRECTORY.resolve("volume-" + sizeBytes + ".ready");
        if (Files.exists(ready) && Files.exists(path)) {
            return path;
        }
        Files.createDirectories(DIRECTORY);
        Files.deleteIfExists(ready);
        Files.deleteIfExists(path);
        Volume.format(FormatOptions.of(path).withSizeBytes(sizeBytes).withOverwrite(true));
        try (Arena arena = Arena.ofShared(); Volume volume = Volume.open(VolumeOptions.of(path))) {
            MemorySegment chunk = arena.allocate(CHUNK_BYTES, 4096);
            SplittableRandom random = new SplittableRandom(42);
            for (long offset = 0; offset < volume.sizeBytes(); offset += CHUNK_BYTES) {
                long length = Math.min(CHUNK_BYTES, volume.sizeBytes() - offset);
                for (long i = 0; i < length; i += Long.BYTES) {
                    chunk.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
                }
                volume.writeBlocking(offset, chunk.asSlice(0, length));
            }
            volume.flushBlocking();
        }
        Files.createFile(ready);
        return path;
    }
}
