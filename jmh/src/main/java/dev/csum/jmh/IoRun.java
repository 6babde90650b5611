package dev.csum.jmh;

import java.lang.management.ManagementFactory;

/**
 * The drivers of {@link IoBenchmark} without JMH, for profiling (JFR, perf) and quick checks:
 * <pre>
 * java --enable-native-access=ALL-UNNAMED --add-modules=jdk.incubator.vector -cp target/benchmarks.jar \
 *      dev.csum.jmh.IoRun PATH WORKLOAD SECONDS [SIZE_BYTES]
 * </pre>
 * Runs a 2 s warm-up, then prints ops/s, MB/s, process CPU seconds per GiB moved and the bytes
 * allocated per operation by all threads over the timed window.
 */
public final class IoRun {
    private IoRun() {}

    public static void main(String[] arguments) throws Exception {
        if (arguments.length < 3) {
            System.err.println("usage: IoRun callback|callback-inplace|future|ring|ring-eager|filechannel RW-BS-QD SECONDS [SIZE_BYTES]");
            System.exit(2);
        }
        Workload workload = Workload.parse(arguments[1]);
        double seconds = Double.parseDouble(arguments[2]);
        long sizeBytes = arguments.length > 3 ? Long.parseLong(arguments[3]) : 1L << 30;
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (ClosedLoop driver = Drivers.create(arguments[0], workload, sizeBytes)) {
            driver.start();
            long warmUpEnd = System.nanoTime() + 2_000_000_000L;
            while (System.nanoTime() < warmUpEnd) {
                driver.await(IoBenchmark.BATCH);
            }
            long cpuStart = os.getProcessCpuTime();
            long allocatedStart = threads.getTotalThreadAllocatedBytes();
            long start = System.nanoTime();
            long deadline = start + (long) (seconds * 1e9);
            long operations = 0;
            while (System.nanoTime() < deadline) {
                driver.await(IoBenchmark.BATCH);
                operations += IoBenchmark.BATCH;
            }
            long elapsed = System.nanoTime() - start;
            long cpu = os.getProcessCpuTime() - cpuStart;
            long allocated = threads.getTotalThreadAllocatedBytes() - allocatedStart;
            double bytesMoved = (double) operations * workload.blockBytes();
            System.out.printf("%s %s: %.0f ops/s, %.1f MB/s, cpu %.2f s/GiB, %.1f B/op allocated%s%n", arguments[0],
                    workload.name(), operations * 1e9 / elapsed, bytesMoved * 1e3 / elapsed,
                    cpu / 1e9 / (bytesMoved / (1L << 30)), (double) allocated / operations, driver.describe());
        }
    }
}
