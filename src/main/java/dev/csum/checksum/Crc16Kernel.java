package dev.csum.checksum;

/**
 * The implementations of the 16-bit CRCs. All compute identical values (tests check it on every
 * length 0..4096); they differ only in speed. docs/PERFORMANCE.md ("Checksums") has the measurements
 * behind {@link #fastest()}.
 */
public enum Crc16Kernel {
    /** One 256-entry table lookup per byte: the simple reference. */
    BYTEWISE,
    /** Slicing-by-16: two 8-byte loads and 16 lookups per 16 bytes. */
    SLICING,
    /** {@code jdk.incubator.vector}: interleaved streams in vector lanes, nibble-table shuffles. */
    VECTOR;

    private static final String OVERRIDE_PROPERTY = "csum.crc16.kernel";

    /** Whether this kernel can run in this JVM (the vector one needs the incubator module and ≥ 128-bit vectors). */
    public boolean available() {
        return this != VECTOR || VectorSupport.AVAILABLE;
    }

    /**
     * The kernel {@link ChecksumAlgorithm#newChecksum()} uses: {@link #VECTOR} when available (the
     * faster one by measurement), else {@link #SLICING}. System property {@code csum.crc16.kernel}
     * ({@code bytewise}, {@code slicing}, {@code vector}) overrides it.
     */
    public static Crc16Kernel fastest() {
        String override = System.getProperty(OVERRIDE_PROPERTY);
        if (override != null) {
            Crc16Kernel kernel = valueOf(override.trim().toUpperCase(java.util.Locale.ROOT));
            if (!kernel.available()) {
                throw new IllegalStateException(OVERRIDE_PROPERTY + "=" + override + " is not available in this JVM"
                        + " (the vector kernel needs --add-modules=jdk.incubator.vector)");
            }
            return kernel;
        }
        return VECTOR.available() ? VECTOR : SLICING;
    }

    /** Probes the vector kernel once, without making this enum depend on the incubator module. */
    private static final class VectorSupport {
        static final boolean AVAILABLE = probe();

        private static boolean probe() {
            try {
                return Crc16Vector.SUPPORTED;
            } catch (LinkageError e) {
                return false;
            }
        }
    }
}
