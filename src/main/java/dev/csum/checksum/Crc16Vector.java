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

    /** The register after processing {@code length} bytes of {@code segment} from {@code offset}. */
    int update(int register, MemorySegment segment, long offset, long length) {
        long chunks = length / STRIDE_BYTES;
        if (chunks == 0) {
            return Crc16Scalar.updateSlicing(crc, register, segment, offset, length);
        }
        byte[] st = strideTables;
        ByteVector a0 = table(st, 0), o0 = table(st, 1), a1 = table(st, 2), o1 = table(st, 3);
        ByteVector a2 = table(st, 4), o2 = table(st, 5), a3 = table(st, 6), o3 = table(st, 7);

        int start = canonical(register);
        ByteVector zero = ByteVector.zero(SPECIES);
        ByteVector absorbX = zero.withLane(0, (byte) start).lanewise(VectorOperators.XOR, load(segment, offset));
        ByteVector otherX = zero.withLane(0, (byte) (start >>> 8));
        ByteVector absorbY = load(segment, offset + LANES);
        ByteVector otherY = zero;

        long position = offset + STRIDE_BYTES;
        for (long chunk = 1; chunk < chunks; chunk++, position += STRIDE_BYTES) {
            ByteVector dataX = load(segment, position);
            ByteVector dataY = load(segment, position + LANES);

            ByteVector nx0 = lowNibbles(absorbX), nx1 = highNibbles(absorbX), nx2 = lowNibbles(otherX), nx3 = highNibbles(otherX);
            ByteVector ny0 = lowNibbles(absorbY), ny1 = highNibbles(absorbY), ny2 = lowNibbles(otherY), ny3 = highNibbles(otherY);

            absorbX = lookup(nx0, nx1, nx2, nx3, a0, a1, a2, a3).lanewise(VectorOperators.XOR, dataX);
            otherX = lookup(nx0, nx1, nx2, nx3, o0, o1, o2, o3);
            absorbY = lookup(ny0, ny1, ny2, ny3, a0, a1, a2, a3).lanewise(VectorOperators.XOR, dataY);
            otherY = lookup(ny0, ny1, ny2, ny3, o0, o1, o2, o3);
        }

        // Fold accumulator X into Y: X's streams are LANES bytes further from the end.
        {
            byte[] lt = laneTables;
            ByteVector n0 = lowNibbles(absorbX), n1 = highNibbles(absorbX), n2 = lowNibbles(otherX), n3 = highNibbles(otherX);
            absorbY = lookup(n0, n1, n2, n3, table(lt, 0), table(lt, 2), table(lt, 4), table(lt, 6)).lanewise(VectorOperators.XOR, absorbY);
            otherY = lookup(n0, n1, n2, n3, table(lt, 1), table(lt, 3), table(lt, 5), table(lt, 7)).lanewise(VectorOperators.XOR, otherY);
        }

        byte[] tt = treeTables;
        for (int round = 0; round < TREE_ROUNDS; round++) {
            int base = round * 8;
            VectorShuffle<Byte> down = TREE_SHUFFLES[round];
            ByteVector n0 = lowNibbles(absorbY), n1 = highNibbles(absorbY), n2 = lowNibbles(otherY), n3 = highNibbles(otherY);
            ByteVector absorbNext = lookup(n0, n1, n2, n3, table(tt, base), table(tt, base + 2), table(tt, base + 4), table(tt, base + 6))
                    .lanewise(VectorOperators.XOR, absorbY.rearrange(down));
            ByteVector otherNext = lookup(n0, n1, n2, n3, table(tt, base + 1), table(tt, base + 3), table(tt, base + 5), table(tt, base + 7))
                    .lanewise(VectorOperators.XOR, otherY.rearrange(down));
            absorbY = absorbNext;
            otherY = otherNext;
        }
        int end = (absorbY.lane(0) & 0xFF) | (otherY.lane(0) & 0xFF) << 8;
        register = crc.step(canonical(end));

        long done = chunks * STRIDE_BYTES;
        return Crc16Scalar.updateSlicing(crc, register, segment, offset + done, length - done);
    }

    private static ByteVector load(MemorySegment segment, long offset) {
        return ByteVector.fromMemorySegment(SPECIES, segment, offset, ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteVector table(byte[] tables, int index) {
        return ByteVector.fromArray(SPECIES, tables, index * LANES);
    }

    private static ByteVector lowNibbles(ByteVector v) {
        return v.and((byte) 0x0F);
    }

    private static ByteVector highNibbles(ByteVector v) {
        // A 16-bit shift moves each byte's high nibble into its low nibble; the mask drops the
        // bits that crossed in from the neighbouring byte. (A byte-lane shift has no x86 instruction.)
        return v.reinterpretAsShorts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
    }

    private static ByteVector lookup(ByteVector n0, ByteVector n1, ByteVector n2, ByteVector n3,
                                     ByteVector t0, ByteVector t1, ByteVector t2, ByteVector t3) {
        ByteVector left = n0.selectFrom(t0).lanewise(VectorOperators.XOR, n1.selectFrom(t1));
        ByteVector right = n2.selectFrom(t2).lanewise(VectorOperators.XOR, n3.selectFrom(t3));
        return left.lanewise(VectorOperators.XOR, right);
    }
}
