package dev.csum.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every kernel equals the bit-at-a-time definition, for every length 0..4096 and on real blocks. */
class Crc16KernelAgreementTest {

    private static int reference(ChecksumAlgorithm algorithm, byte[] data) {
        return algorithm == ChecksumAlgorithm.CRC16_CCITT
                ? CrcReference.crc16Reflected(data, 0x8408)
                : CrcReference.crc16Normal(data, 0x8BB7);
    }

    @ParameterizedTest
    @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC16_CCITT", "CRC16_T10DIF"})
    void everyLengthFromZeroTo4096AgreesAtEveryKernel(ChecksumAlgorithm algorithm) {
        SplittableRandom random = new SplittableRandom(42 + algorithm.id());
        Crc16BlockChecksum bytewise = new Crc16BlockChecksum(algorithm, Crc16Kernel.BYTEWISE);
        Crc16BlockChecksum slicing = new Crc16BlockChecksum(algorithm, Crc16Kernel.SLICING);
        Crc16BlockChecksum vector = new Crc16BlockChecksum(algorithm, Crc16Kernel.VECTOR);
        byte[] all = new byte[4096 + 7];
        random.nextBytes(all);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nativeCopy = arena.allocate(all.length);
            MemorySegment.copy(MemorySegment.ofArray(all), 0, nativeCopy, 0, all.length);
            for (int length = 0; length <= 4096; length++) {
                int shift = length % 8; // also exercise unaligned starts
                byte[] data = java.util.Arrays.copyOfRange(all, shift, shift + length);
                int expected = reference(algorithm, data);
                MemorySegment heap = MemorySegment.ofArray(data);
                MemorySegment off = nativeCopy.asSlice(shift, length);
                assertEquals(expected, bytewise.crc(heap), "bytewise, length " + length);
                assertEquals(expected, slicing.crc(off), "slicing, length " + length);
                assertEquals(expected, vector.crc(heap), "vector heap, length " + length);
                assertEquals(expected, vector.crc(off), "vector native, length " + length);
            }
        }
    }

    /** Continuing from a non-zero register (the vector kernel folds it into the first two bytes). */
    @ParameterizedTest
    @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC16_CCITT", "CRC16_T10DIF"})
    void continuingFromAnyRegisterAgrees(ChecksumAlgorithm algorithm) {
        Crc16Definition crc = Crc16Definition.of(algorithm);
        Crc16Vector vector = new Crc16Vector(crc);
        SplittableRandom random = new SplittableRandom(5);
        for (int trial = 0; trial < 300; trial++) {
            byte[] data = new byte[random.nextInt(3 * Crc16Vector.STRIDE_BYTES + 20)];
            random.nextBytes(data);
            int register = random.nextInt(1 << 16);
            MemorySegment segment = MemorySegment.ofArray(data);
            int expected = Crc16Scalar.updateBytewise(crc, register, segment, 0, data.length);
            assertEquals(expected, vector.update(register, segment, 0, data.length), "length " + data.length);
            assertEquals(expected, Crc16Scalar.updateSlicing(crc, register, segment, 0, data.length), "length " + data.length);
        }
    }

    @ParameterizedTest
    @EnumSource(value = ChecksumAlgorithm.class, names = {"CRC16_CCITT", "CRC16_T10DIF"})
    void realBlocksAgreeIncludingAddressBinding(ChecksumAlgorithm algorithm) {
        SplittableRandom random = new SplittableRandom(7);
        try (Arena arena = Arena.ofConfined()) {
            for (int blockSize : new int[] {512, 4096}) {
                MemorySegment block = arena.allocate(blockSize, 4096);
                byte[] bytes = new byte[blockSize];
                for (int trial = 0; trial < 50; trial++) {
                    random.nextBytes(bytes);
                    if (trial == 0) {
                        java.util.Arrays.fill(bytes, (byte) 0);
                    } else if (trial == 1) {
                        java.util.Arrays.fill(bytes, (byte) 0xFF);
                    }
                    MemorySegment.copy(MemorySegment.ofArray(bytes), 0, block, 0, blockSize);
                    long address = random.nextLong();
                    int expected = CrcReference.blockChecksum(algorithm, bytes, address);
                    for (Crc16Kernel kernel : Crc16Kernel.values()) {
                        assertEquals(expected, new Crc16BlockChecksum(algorithm, kernel).blockChecksum(block, address),
                                kernel + " " + blockSize + " trial " + trial);
                    }
                }
            }
        }
    }
}
