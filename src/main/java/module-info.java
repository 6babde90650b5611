/**
 * csum: a checksumming block volume. Every write stores a checksum tuple per block, every read
 * verifies it, and data that fails verification is an error naming the block, never returned.
 *
 * <p>The API is {@link dev.csum.Volume} and its options and results in {@code dev.csum}; the
 * Micrometer binder in {@code dev.csum.metrics}; and the fault-injection test kit in
 * {@code dev.csum.testkit}; the NBD server ({@code dev.csum.nbd.NbdServer}) in {@code dev.csum.nbd}. Nothing else is exported: the engine, the on-disk format, the I/O ports
 * and the io_uring binding are internal.
 *
 * <p>Hosts grant native access to this module ({@code --enable-native-access=dev.csum} on the
 * module path, {@code ALL-UNNAMED} on the class path). Micrometer is needed only for the binder.
 * The vectorized CRC-16 kernel is used when {@code jdk.incubator.vector} is in the boot layer
 * ({@code --add-modules jdk.incubator.vector}); otherwise the scalar kernel serves, with the same
 * results.
 */
module dev.csum {
    requires static micrometer.core;
    requires static jdk.incubator.vector;
    // com.sun.nio.file.ExtendedOpenOption.DIRECT, for the portable I/O port where io_uring is refused.
    requires jdk.unsupported;

    exports dev.csum;
    exports dev.csum.metrics;
    exports dev.csum.testkit;
    exports dev.csum.nbd;
}
