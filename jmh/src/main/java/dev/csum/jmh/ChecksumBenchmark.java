package dev.csum.jmh;

import dev.csum.checksum.BlockChecksum;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.checksum.Crc16BlockChecksum;
import dev.csum.checksum.Crc16Kernel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Block checksum throughput, one thread. Each invocation checksums every block of a 64 KiB native,
 * 4096-aligned buffer (as the engine does with an I/O buffer), and counts one operation per byte, so
 * the score in ops/ns <em>is</em> GB/s (10^9 bytes per second).
 *
 * <p>{@code checksum} is the algorithm, and for the 16-bit ones the kernel:
 * {@code crc16-ccitt:vector} etc.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class ChecksumBenchmark {

    static final int BUFFER_BYTES = 64 * 1024;

    @Param({"crc32c",
            "crc16-ccitt:vector", "crc16-ccitt:slicing", "crc16-ccitt:bytewise",
            "crc16-t10dif:vector", "crc16-t10dif:slicing", "crc16-t10dif:bytewise"})
    public String checksum;

    @Param({"512", "4096"})
    public int blockSize;

    private Arena arena;
    private MemorySegment[] blocks;
    private BlockChecksum function;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = checksum.split(":");
        ChecksumAlgorithm algorithm = ChecksumAlgorithm.fromName(parts[0]);
        function = parts.length == 1
                ? algorithm.newChecksum()
                : new Crc16BlockChecksum(algorithm, Crc16Kernel.valueOf(parts[1].toUpperCase(java.util.Locale.ROOT)));
        arena = Arena.ofShared();
        MemorySegment buffer = arena.allocate(BUFFER_BYTES, 4096);
        byte[] random = new byte[BUFFER_BYTES];
        new SplittableRandom(1).nextBytes(random);
        MemorySegment.copy(MemorySegment.ofArray(random), 0, buffer, 0, BUFFER_BYTES);
        blocks = new MemorySegment[BUFFER_BYTES / blockSize];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = buffer.asSlice((long) i * blockSize, blockSize);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        arena.close();
    }

    /** Checksums every block of the buffer, each at its own address; one "operation" per byte. */
    @Benchmark
    @OperationsPerInvocation(BUFFER_BYTES)
    public int checksumBuffer() {
        int accumulated = 0;
        MemorySegment[] b = blocks;
        for (int i = 0; i < b.length; i++) {
            accumulated ^= function.blockChecksum(b[i], i);
        }
        return accumulated;
    }
}
