package dev.csum.checksum;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vectorized 16-bit CRC kernel ({@code jdk.incubator.vector}), for either {@link Crc16Definition}.
 *
 * <h2>How it works</h2>
 * The message is cut into chunks of {@link #STRIDE_BYTES} ({@code ACCUMULATORS × LANES}) bytes.
 * Byte {@code t} of every chunk belongs to <em>stream</em> {@code t}; stream {@code t} lives in lane
 * {@code t % LANES} of accumulator {@code t / LANES}. Because the CRC is linear, each stream can
 * run its own 16-bit register as if every other byte were zero: between two of its bytes a stream
 * advances by exactly {@code STRIDE_BYTES} zero bytes, which is one fixed 16×16 GF(2) matrix for
 * every lane. A register is held as two byte vectors: the <em>absorb</em> byte (where input bytes
 * are xored in: the low register byte for a reflected CRC, the high one otherwise) and the
 * <em>other</em> byte. The matrix is applied with four nibble lookups per output byte, each a
 * 16-entry table shared by all lanes ({@code selectFrom}, which becomes {@code vpshufb}/{@code vpermb}):
 * per chunk and accumulator, 8 lookups, 6 xors, 4 nibble extractions and 1 data xor.
 *
 * <p>At the end, stream {@code t} has absorbed its last byte but still has to advance
 * {@code STRIDE_BYTES - t} bytes to the end of the prefix. The accumulators are folded Horner-style
 * ({@code A = advance_LANES(A) ^ next}), leaving {@code LANES} streams where lane {@code j} needs
 * {@code LANES - j}; then a log2(LANES)-round tree halves the lanes each round
 * ({@code A[j] = advance_half(A[j]) ^ A[j + half]}) until lane 0 needs one last scalar byte step.
 * Bytes after the last whole chunk go through the scalar slicing loop.
 *
 * <p>Worked example, 4096-byte block on a 512-bit machine: 64 lanes × 2 accumulators = 128-byte
 * chunks, 32 chunk iterations, 1 fold, 6 tree rounds, no tail.
 */
final class Crc16Vector {

    static final VectorSpecies<Byte> SPECIES = ByteVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    static final int ACCUMULATORS = 2;
    static final int STRIDE_BYTES = LANES * ACCUMULATORS;
    /** A nibble table has 16 entries, so a vector must have at least 16 byte lanes. */
    static final boolean SUPPORTED = LANES >= 16 && Integer.bitCount(LANES) == 1;

    private static final int TABLE_BYTES = 8 * LANES;
    private static final int TREE_ROUNDS = Integer.numberOfTrailingZeros(LANES);
    @SuppressWarnings("unchecked")
    private static final VectorShuffle<Byte>[] TREE_SHUFFLES = new VectorShuffle[TREE_ROUNDS];

    static {
        for (int round = 0; round < TREE_ROUNDS; round++) {
            int half = LANES >>> (round + 1);
            TREE_SHUFFLES[round] = VectorShuffle.fromOp(SPECIES, j -> (j + half) % LANES);
        }
    }

    private final Crc16Definition crc;
    /** Advance by {@link #STRIDE_BYTES}: the chunk loop. */
    private final byte[] strideTables;
    /** Advance by {@link #LANES}: folding the accumulators. */
    private final byte[] laneTables;
    /** Round r advances by {@code LANES >>> (r + 1)} bytes; round r's tables start at {@code r * TABLE_BYTES}. */
    private final byte[] treeTables;

    Crc16Vector(Crc16Definition crc) {
        if (!SUPPORTED) {
            throw new IllegalStateException("vector kernel needs >= 16 byte lanes, preferred species has " + LANES);
        }
        this.crc = crc;
        this.strideTables = tablesFor(STRIDE_BYTES);
        this.laneTables = tablesFor(LANES);
        this.treeTables = new byte[TREE_ROUNDS * TABLE_BYTES];
        for (int round = 0; round < TREE_ROUNDS; round++) {
            System.arraycopy(tablesFor(LANES >>> (round + 1)), 0, treeTables, round * TABLE_BYTES, TABLE_BYTES);
        }
    }

    /** Register value → canonical form {@code absorb | other << 8}. Its own inverse. */
    private int canonical(int value) {
        return crc.reflected ? value : Short.reverseBytes((short) value) & 0xFFFF;
    }

    /**
     * Tables of the linear map "advance by {@code bytes} zero bytes", in canonical form. Table
     * {@code nibble * 2 + output} (output 0 = absorb byte, 1 = other byte) at lane {@code j}
     * holds that output byte for input nibble value {@code j & 15} at nibble position {@code nibble}
     * (0, 1: absorb byte low/high nibble; 2, 3: other byte).
     */
    private byte[] tablesFor(int bytes) {
        byte[] tables = new byte[TABLE_BYTES];
        for (int nibble = 0; nibble < 4; nibble++) {
            for (int value = 0; value < 16; value++) {
                int mapped = canonical(crc.advance(canonical(value << (4 * nibble)), bytes));
                for (int lane = value; lane < LANES; lane += 16) {
                    tables[(nibble * 2) * LANES + lane] = (byte) mapped;
                    tables[(nibble * 2 + 1) * LANES + lane] = (byte) (mapped >>> 8);
                }
            }
        }
        return tables;
    }

    /**
     * The register after processing {@code length} bytes of {@code segment} from {@code offset}.
     *
     * <p>Everything is written out in this one method on purpose: C2 only turns Vector API calls
     * into instructions when it can see the concrete vector class, and helper methods that it
     * declines to inline (too large once compiled on their own) box every vector.
     */
    int update(int register, MemorySegment segment, long offset, long length) {
        long chunks = length / STRIDE_BYTES;
        if (chunks == 0) {
            return Crc16Scalar.updateSlicing(crc, register, segment, offset, length);
        }
        final VectorSpecies<Byte> species = SPECIES;
        final ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        final byte[] st = strideTables;
        // Tables of "advance STRIDE_BYTES": a* produce the absorb byte, o* the other byte, from nibble 0..3.
        final ByteVector a0 = ByteVector.fromArray(species, st, 0), o0 = ByteVector.fromArray(species, st, LANES);
        final ByteVector a1 = ByteVector.fromArray(species, st, 2 * LANES), o1 = ByteVector.fromArray(species, st, 3 * LANES);
        final ByteVector a2 = ByteVector.fromArray(species, st, 4 * LANES), o2 = ByteVector.fromArray(species, st, 5 * LANES);
        final ByteVector a3 = ByteVector.fromArray(species, st, 6 * LANES), o3 = ByteVector.fromArray(species, st, 7 * LANES);

        // Chunk 0: the registers are the data itself. A non-zero starting register is folded into
        // the first two bytes: absorbing b0 then b1 from register R equals absorbing b0 ^ absorb(R)
        // then b1 ^ other(R) from register 0.
        ByteVector absorbX = ByteVector.fromMemorySegment(species, segment, offset, order);
        ByteVector absorbY = ByteVector.fromMemorySegment(species, segment, offset + LANES, order);
        ByteVector otherX = ByteVector.zero(species);
        ByteVector otherY = otherX;
        if (register != 0) {
            int start = canonical(register);
            byte[] initial = new byte[LANES];
            initial[0] = (byte) start;
            initial[1] = (byte) (start >>> 8);
            absorbX = absorbX.lanewise(VectorOperators.XOR, ByteVector.fromArray(species, initial, 0));
        }

        long position = offset + STRIDE_BYTES;
        for (long chunk = 1; chunk < chunks; chunk++, position += STRIDE_BYTES) {
            ByteVector dataX = ByteVector.fromMemorySegment(species, segment, position, order);
            ByteVector dataY = ByteVector.fromMemorySegment(species, segment, position + LANES, order);

            ByteVector x0 = absorbX.and((byte) 0x0F);
            ByteVector x1 = absorbX.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
            ByteVector x2 = otherX.and((byte) 0x0F);
            ByteVector x3 = otherX.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
            ByteVector y0 = absorbY.and((byte) 0x0F);
            ByteVector y1 = absorbY.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
            ByteVector y2 = otherY.and((byte) 0x0F);
            ByteVector y3 = otherY.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);

            absorbX = x0.selectFrom(a0).lanewise(VectorOperators.XOR, x1.selectFrom(a1))
                    .lanewise(VectorOperators.XOR, x2.selectFrom(a2).lanewise(VectorOperators.XOR, x3.selectFrom(a3)))
                    .lanewise(VectorOperators.XOR, dataX);
            otherX = x0.selectFrom(o0).lanewise(VectorOperators.XOR, x1.selectFrom(o1))
                    .lanewise(VectorOperators.XOR, x2.selectFrom(o2).lanewise(VectorOperators.XOR, x3.selectFrom(o3)));
            absorbY = y0.selectFrom(a0).lanewise(VectorOperators.XOR, y1.selectFrom(a1))
                    .lanewise(VectorOperators.XOR, y2.selectFrom(a2).lanewise(VectorOperators.XOR, y3.selectFrom(a3)))
                    .lanewise(VectorOperators.XOR, dataY);
            otherY = y0.selectFrom(o0).lanewise(VectorOperators.XOR, y1.selectFrom(o1))
                    .lanewise(VectorOperators.XOR, y2.selectFrom(o2).lanewise(VectorOperators.XOR, y3.selectFrom(o3)));
        }

        // Fold X into Y (Horner): X's streams are LANES bytes further from the end than Y's.
        // Then the tree: round r folds lanes [half, 2 half) onto [0, half), half = LANES >> (r + 1).
        // Both are "A = advance_k(A) ^ B"; round -1 below is the fold (k = LANES, B = Y).
        final byte[] lt = laneTables;
        final byte[] tt = treeTables;
        ByteVector absorb = absorbX;
        ByteVector other = otherX;
        for (int round = -1; round < TREE_ROUNDS; round++) {
            byte[] tables = round < 0 ? lt : tt;
            int base = round < 0 ? 0 : round * TABLE_BYTES;
            ByteVector absorbAdd;
            ByteVector otherAdd;
            if (round < 0) {
                absorbAdd = absorbY;
                otherAdd = otherY;
            } else {
                VectorShuffle<Byte> down = TREE_SHUFFLES[round];
                absorbAdd = absorb.rearrange(down);
                otherAdd = other.rearrange(down);
            }
            ByteVector n0 = absorb.and((byte) 0x0F);
            ByteVector n1 = absorb.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
            ByteVector n2 = other.and((byte) 0x0F);
            ByteVector n3 = other.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
            absorb = n0.selectFrom(ByteVector.fromArray(species, tables, base))
                    .lanewise(VectorOperators.XOR, n1.selectFrom(ByteVector.fromArray(species, tables, base + 2 * LANES)))
                    .lanewise(VectorOperators.XOR, n2.selectFrom(ByteVector.fromArray(species, tables, base + 4 * LANES)))
                    .lanewise(VectorOperators.XOR, n3.selectFrom(ByteVector.fromArray(species, tables, base + 6 * LANES)))
                    .lanewise(VectorOperators.XOR, absorbAdd);
            other = n0.selectFrom(ByteVector.fromArray(species, tables, base + LANES))
                    .lanewise(VectorOperators.XOR, n1.selectFrom(ByteVector.fromArray(species, tables, base + 3 * LANES)))
                    .lanewise(VectorOperators.XOR, n2.selectFrom(ByteVector.fromArray(species, tables, base + 5 * LANES)))
                    .lanewise(VectorOperators.XOR, n3.selectFrom(ByteVector.fromArray(species, tables, base + 7 * LANES)))
                    .lanewise(VectorOperators.XOR, otherAdd);
        }
        // Lane 0 has absorbed the prefix's last byte; one byte step finishes it.
        int end = (absorb.lane(0) & 0xFF) | (other.lane(0) & 0xFF) << 8;
        int result = crc.step(canonical(end));

        long done = chunks * STRIDE_BYTES;
        return done == length ? result : Crc16Scalar.updateSlicing(crc, result, segment, offset + done, length - done);
    }
}
