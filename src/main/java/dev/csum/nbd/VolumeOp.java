package dev.csum.nbd;

import dev.csum.IoCallback;
import dev.csum.Volume;
import java.lang.foreign.MemorySegment;

/**
 * The volume operation behind an NBD command over a byte range, in the low-garbage callback form.
 * A command that the volume gains (TRIM as {@code Volume.discard}, WRITE_ZEROES as
 * {@code Volume.writeZeroes}) is one constant here, one {@code case} in
 * {@link Connection#dispatch} and one transmission flag in {@link Connection#transmissionFlags}.
 */
enum VolumeOp {
    READ {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            volume.read(offsetBytes, lengthBytes, buffer, null, callback, token);
        }
    },
    WRITE {
        @Override
        void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                    long token) {
            volume.write(offsetBytes, lengthBytes, buffer, null, callback, token);
        }
    };

    /**
     * Starts the operation on {@code [offsetBytes, offsetBytes + lengthBytes)}; {@code buffer} holds
     * at least {@code lengthBytes} (the destination of a read, the source of a write, unused by
     * operations without data).
     */
    abstract void submit(Volume volume, long offsetBytes, long lengthBytes, MemorySegment buffer, IoCallback callback,
                         long token);
}
