package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.csum.uring.Errno;
import dev.csum.uring.IoUringUnavailableException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which I/O port a volume gets: io_uring by default, the portable port with one warning when
 * io_uring is refused (forced here through {@link IoPortChoice#refuseIoUringForTesting}, as a
 * container's seccomp profile would), and an explicit choice of either.
 */
class IoEngineFallbackTest {
    @TempDir
    Path directory;

    @AfterEach
    void allowIoUringAgain() {
        IoPortChoice.refuseIoUringForTesting = 0;
    }

    /** A volume of {@code blockSize} blocks and log blocks (the portable port's direct I/O takes 4 KiB ones). */
    private Path format(int blockSize) throws Exception {
        return format(blockSize, blockSize);
    }

    private Path format(int blockSize, int logBlockBytes) throws Exception {
        Path data = directory.resolve("volume");
        VolumeInfo info = Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20).withBlockSizeBytes(blockSize)
            .withLogBlockBytes(logBlockBytes));
        assertEquals(logBlockBytes, info.logBlockBytes());
        return data;
    }

    /** The portable port's worker threads for {@code data} (they carry the file's name). */
    private static long portableWorkers(Path data) {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> thread.getName().startsWith("csum-io-")
                && thread.getName().endsWith(" " + data.getFileName()))
            .count();
    }

    @Test
    void autoFallsBackToThePortablePortWithOneWarningWhenIoUringIsNotPermitted() throws Exception {
        Path data = format(4096);
        IoPortChoice.refuseIoUringForTesting = Errno.EPERM;
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            List<String> warnings = volume.openWarnings();
            assertEquals(1, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("io_uring is not permitted here (io_uring_setup: EPERM; a container's "
                + "default seccomp profile refuses it: run with --security-opt seccomp="), warnings.get(0));
            assertTrue(warnings.get(0).endsWith("; using the portable FileChannel I/O port instead, which is slower"),
                warnings.get(0));
            assertTrue(portableWorkers(data) > 0, "the portable port's threads run the I/O");
            MemorySegment block = arena.allocate(8192).fill((byte) 0x3C);
            volume.writeBlocking(4096, block);
            volume.flushBlocking();
            MemorySegment back = arena.allocate(8192);
            volume.readBlocking(4096, back);
            assertEquals(-1, block.mismatch(back));
        }
        assertEquals(0, portableWorkers(data), "closed with the volume");

        IoPortChoice.refuseIoUringForTesting = 0;
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            assertEquals(List.of(), volume.openWarnings(), "io_uring allowed: no warning");
            assertEquals(0, portableWorkers(data), "and io_uring used");
            MemorySegment back = arena.allocate(8192);
            volume.readBlocking(4096, back); // verified: what the portable port wrote, io_uring reads
            assertEquals(0x3C, back.get(ValueLayout.JAVA_BYTE, 8191));
        }
    }

    @Test
    void autoFallsBackWhenTheKernelHasNoIoUring() throws Exception {
        Path data = format(4096);
        IoPortChoice.refuseIoUringForTesting = Errno.ENOSYS;
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.AUTO))) {
            assertEquals(1, volume.openWarnings().size());
            assertTrue(volume.openWarnings().get(0).startsWith("io_uring is not available here (io_uring_setup: ENOSYS;"),
                volume.openWarnings().get(0));
        }
    }

    @Test
    void explicitIoUringFailsWithTheReasonAndReleasesTheDevice() throws Exception {
        Path data = format(4096);
        IoPortChoice.refuseIoUringForTesting = Errno.EPERM;
        IoUringUnavailableException refused = assertThrows(IoUringUnavailableException.class,
            () -> Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.IO_URING)));
        assertTrue(refused.getMessage().contains(": EPERM (errno 1): io_uring is not permitted here"),
            refused.getMessage());
        assertTrue(refused.getMessage().contains("--security-opt seccomp=unconfined"), refused.getMessage());
        IoPortChoice.refuseIoUringForTesting = 0;
        Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.IO_URING)).close(); // the lock was released
    }

    @Test
    void explicitPortableOnFourKibBlocksIsDirectAndWarnsNothing() throws Exception {
        Path data = format(4096);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.PORTABLE))) {
            assertEquals(List.of(), volume.openWarnings());
            assertTrue(portableWorkers(data) > 0);
        }
    }

    @Test
    void portableOnFiveHundredTwelveByteBlocksSaysItUsesThePageCache() throws Exception {
        Path data = format(512);
        assumeTrue(Files.getFileStore(data).getBlockSize() > 512, "a file system whose direct-I/O unit is 512");
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.PORTABLE))) {
            assertEquals(List.of("the portable FileChannel I/O port reads and writes; through the page cache, since "
                + "the JDK's direct-I/O unit here (4096 bytes) is larger than the volume's 512-byte blocks"),
                volume.openWarnings());
        }
        IoPortChoice.refuseIoUringForTesting = Errno.EPERM;
        try (Volume volume = Volume.open(VolumeOptions.of(data))) {
            assertEquals(1, volume.openWarnings().size(), "one line says both");
            assertTrue(volume.openWarnings().get(0).endsWith("which is slower; through the page cache, since the "
                + "JDK's direct-I/O unit here (4096 bytes) is larger than the volume's 512-byte blocks"));
        }
    }

    @Test
    void portableOnFourKibBlocksWithSectorLogBlocksSaysItUsesThePageCacheAndRuns() throws Exception {
        Path data = format(4096, 512);
        assumeTrue(Files.getFileStore(data).getBlockSize() > 512, "a file system whose direct-I/O unit is 512");
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.PORTABLE));
             Arena arena = Arena.ofConfined()) {
            assertEquals(List.of("the portable FileChannel I/O port reads and writes; through the page cache, since "
                + "the JDK's direct-I/O unit here (4096 bytes) is larger than the volume's 512-byte log blocks"),
                volume.openWarnings());
            volume.writeBlocking(4096, arena.allocate(4096).fill((byte) 0x5A));
            volume.flushBlocking();
        }
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            assertEquals(List.of(), volume.openWarnings(), "io_uring takes 512-byte log blocks directly");
            MemorySegment back = arena.allocate(4096);
            volume.readBlocking(4096, back);
            assertEquals(0x5A, back.get(ValueLayout.JAVA_BYTE, 4095));
        }
    }

    @Test
    void aReadOnlyOpenOnThePortablePortReadsAndWritesNothing() throws Exception {
        Path data = format(4096);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.PORTABLE));
             Arena arena = Arena.ofConfined()) {
            volume.writeBlocking(0, arena.allocate(4096).fill((byte) 7));
        }
        byte[] before = Files.readAllBytes(data);
        try (Volume volume = Volume.open(VolumeOptions.of(data).withIoEngine(IoEngine.PORTABLE).withReadOnly(true));
             Arena arena = Arena.ofConfined()) {
            MemorySegment back = arena.allocate(4096);
            volume.readBlocking(0, back);
            assertEquals(7, back.get(ValueLayout.JAVA_BYTE, 4095));
            volume.readBlocking(1 << 20, back); // a never-written group: its metadata is not repaired
        }
        assertArrayEquals(before, Files.readAllBytes(data));
    }
}
