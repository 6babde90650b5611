package dev.csum.nbd;

import dev.csum.IoCallback;
import dev.csum.Volume;
import java.lang.foreign.MemorySegment;

/**
 * The volume operation behind an NBD command over a byte range, in the low-garbage callback form.
 * TRIM is {@code Volume.discard}, WRITE_ZEROES {@code Volume.writeZeroes} (the range punched), and
 * WRITE_ZEROES with {@code NO_HOLE} writes zeros as data, so the range stays allocated.
 */
enum VolumeOp {
    READ {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            // In place: the slot's buffer is aligned (RequestSlots) and lives until its reply is sent,
            // after the callback; a failed read's bytes are never sent (the reply is an error).
            volume.readInPlace(offsetBytes, lengthBytes, buffer, null, callback, token);
        }
    },
    WRITE {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            volume.write(offsetBytes, lengthBytes, buffer, null, callback, token);
        }
    },
    DISCARD {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            volume.discard(offsetBytes, lengthBytes, callback, token);
        }
    },
    WRITE_ZEROES {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            volume.writeZeroes(offsetBytes, lengthBytes, callback, token);
        }
    },
    /** Zeros written as data ({@code NO_HOLE}): pieces of at most {@link #ZERO_FILL_PIECE_BYTES}. */
    ZERO_FILL {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            volume.write(offsetBytes, lengthBytes, ZEROS.asSlice(0, lengthBytes), null, callback, token);
        }
    };

    /** The largest piece of a {@link #ZERO_FILL}, and the zeros every one writes from (read-only, shared). */
    static final int ZERO_FILL_PIECE_BYTES = 1 << 20;
    private static final MemorySegment ZEROS = MemorySegment.ofArray(new byte[ZERO_FILL_PIECE_BYTES]).asReadOnly();

    /**
     * Starts the operation on {@code [offsetBytes, offsetBytes + lengthBytes)}; {@code buffer} holds
     * at least {@code lengthBytes} (the destination of a read, the source of a write, unused by
     * operations without data).
     */
    abstract void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                         long token);
}
