package dev.csum.format;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/** File and block-device helpers for format and label (not a hot path: plain {@link FileChannel}). */
final class VolumeFiles {

    private VolumeFiles() {
    }

    /** Whether {@code path} names a block device (not a regular file, directory or other). */
    static boolean isBlockDevice(Path path) throws IOException {
        if (!Files.exists(path) || Files.isRegularFile(path) || Files.isDirectory(path)) {
            return false;
        }
        Object mode = Files.getAttribute(path, "unix:mode");
        return mode instanceof Integer m && (m & 0170000) == 0060000; // S_IFBLK
    }

    /** Size in bytes of an open regular file or block device. */
    static long sizeBytes(FileChannel channel, Path path) throws IOException {
        long size = channel.size();
        if (size == 0 && isBlockDevice(path)) {
            // Older JDKs report 0 for block devices; the kernel's view is in sysfs, in 512-byte sectors.
            Path sysfs = Path.of("/sys/class/block", path.toRealPath().getFileName().toString(), "size");
            if (Files.exists(sysfs)) {
                size = Long.parseLong(Files.readString(sysfs).trim()) * 512;
            }
        }
        return size;
    }

    /** Reads {@code length} bytes at {@code offset}, fewer if the file ends first. */
    static MemorySegment read(FileChannel channel, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, offset + buffer.position());
            if (n < 0) {
                break;
            }
        }
        return MemorySegment.ofArray(buffer.array()).asSlice(0, buffer.position());
    }

    /** Writes all of {@code bytes} at {@code offset}. */
    static void write(FileChannel channel, long offset, MemorySegment bytes) throws IOException {
        ByteBuffer buffer = bytes.asByteBuffer();
        while (buffer.hasRemaining()) {
            channel.write(buffer, offset + buffer.position());
        }
    }

    /**
     * Sets the length of the regular file {@code path}: growing it adds a hole (reads as zeros,
     * takes no space). Through another descriptor of a file the caller may hold locked: the volume
     * lock is an open-file-description lock, which closing this one leaves in place (a POSIX record
     * lock would be dropped).
     */
    static void setLength(Path path, long lengthBytes) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
            file.setLength(lengthBytes);
        }
    }

    /** Hamming distance between two 64-bit words. */
    static int bitsDiffering(long a, long b) {
        return Long.bitCount(a ^ b);
    }
}
