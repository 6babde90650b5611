package dev.csum.checksum;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * {@code crc16-ccitt} and {@code crc16-t10dif}: the 16-bit CRC (init 0, no final xor) of the
 * block's bytes followed by the 8 little-endian bytes of its logical block address, computed by the
 * chosen {@link Crc16Kernel}. Not thread-safe by contract (the current kernels keep no mutable state).
 */
public final class Crc16BlockChecksum implements BlockChecksum {

    private final ChecksumAlgorithm algorithm;
    private final Crc16Kernel kernel;
    private final Crc16Definition crc;
    private final Crc16Vector vector;

    /**
     * @param algorithm {@link ChecksumAlgorithm#CRC16_CCITT} or {@link ChecksumAlgorithm#CRC16_T10DIF}
     * @param kernel    which implementation computes it (must be {@link Crc16Kernel#available()})
     */
    public Crc16BlockChecksum(ChecksumAlgorithm algorithm, Crc16Kernel kernel) {
        this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
        this.kernel = Objects.requireNonNull(kernel, "kernel");
        this.crc = Crc16Definition.of(algorithm);
        if (!kernel.available()) {
            throw new IllegalStateException("CRC kernel " + kernel + " is not available in this JVM");
        }
        this.vector = kernel == Crc16Kernel.VECTOR ? VectorKernels.of(crc) : null;
    }

    @Override
    public ChecksumAlgorithm algorithm() {
        return algorithm;
    }

    /** The implementation this instance uses. */
    public Crc16Kernel kernel() {
        return kernel;
    }

    @Override
    public int blockChecksum(MemorySegment block, long logicalBlockAddress) {
        int register = crc(block);
        return crc.updateLongLittleEndian(register, logicalBlockAddress);
    }

    /** The plain CRC of {@code data} (no address bound in): for check values and tests. */
    public int crc(MemorySegment data) {
        return switch (kernel) {
            case BYTEWISE -> Crc16Scalar.updateBytewise(crc, 0, data, 0, data.byteSize());
            case SLICING -> Crc16Scalar.updateSlicing(crc, 0, data, 0, data.byteSize());
            case VECTOR -> vector.update(0, data, 0, data.byteSize());
        };
    }

    /** One vector kernel per definition: the tables are immutable and shared. */
    private static final class VectorKernels {
        static final Crc16Vector CCITT = new Crc16Vector(Crc16Definition.CCITT);
        static final Crc16Vector T10DIF = new Crc16Vector(Crc16Definition.T10DIF);

        static Crc16Vector of(Crc16Definition crc) {
            return crc == Crc16Definition.CCITT ? CCITT : T10DIF;
        }
    }
}
