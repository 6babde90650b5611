package dev.csum.jmh;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Device I/O throughput, in operations per second, of the same closed-loop workload done five ways
 * on a file on disk ({@link BenchFiles}):
 * <ul>
 *   <li>{@code callback} — {@code Volume.read/write(..., IoCallback, token)}: checksums, metadata,
 *       the event loop; the callback issues the slot's next operation (preallocated buffers);
 *   <li>{@code future} — {@code Volume.read/write(offset, segment)} returning a CompletableFuture;
 *   <li>{@code ring} / {@code ring-eager} — raw {@code dev.csum.uring.Ring} on a raw file, no
 *       checksums, batched or one submit per operation;
 *   <li>{@code filechannel} — {@code FileChannel} + {@code ExtendedOpenOption.DIRECT}, one blocking
 *       thread per operation in flight.
 * </ul>
 * One benchmark operation is one I/O (of the workload's block size). The I/O runs on the drivers'
 * own threads; the JMH thread only waits for {@value #BATCH} completions per invocation, parked.
 * {@code -prof gc} then reports the allocation per I/O of the whole process (all threads).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsPrepend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"},
        jvmArgsAppend = {"-Xmx1g", "-Xms1g"})
public class IoBenchmark {
    static final int BATCH = 512;

    @Param({"callback", "callback-inplace", "future", "ring", "filechannel"})
    public String path;

    @Param({"randread-4k-1", "randread-4k-32", "randwrite-4k-1", "randwrite-4k-32", "read-128k-32", "write-128k-32"})
    public String workload;

    /** Device size: the raw file, and the volume's device (data plus its interleaved metadata). */
    @Param({"1073741824"})
    public long sizeBytes;

    private ClosedLoop driver;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        driver = Drivers.create(path, Workload.parse(workload), sizeBytes);
        driver.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        driver.close();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void io() {
        driver.await(BATCH);
    }
}
