package dev.csum.io;

import dev.csum.uring.NativeIoException;
import dev.csum.uring.Ring;
import java.lang.foreign.MemorySegment;

/**
 * The regions registered with a ring as fixed buffers, and which of them holds a buffer, so
 * {@link UringIoPort} can send I/O on it as READ_FIXED/WRITE_FIXED (the kernel then does not pin
 * its pages on every operation). Off unless {@code -Dcsum.uring.fixedBuffers=true}: measured in
 * the engine on 2026-12-03, reads within the noise and 4 KiB random writes 4–12 % slower in 3 of 3
 * rounds (docs/PERFORMANCE.md, "Registered buffers in the engine"). Event-loop thread only.
 */
final class FixedBuffers {
    /** System property: {@code true} registers the engine's regions. */
    static final String PROPERTY = "csum.uring.fixedBuffers";

    private static final System.Logger LOG = System.getLogger("dev.csum");

    private final Ring ring;
    /** Registered region i is [start[i], end[i]); empty when none are in use. */
    private long[] start = new long[0];
    private long[] end = new long[0];
    private boolean registeredOnce;

    FixedBuffers(Ring ring) {
        this.ring = ring;
    }

    /**
     * Registers {@code regions} (they must outlive the ring). A second call (a port serving a second
     * engine) turns fixed buffers off instead: the first set's memory may be gone and its addresses
     * reused, so no buffer may be taken as inside it any more.
     */
    void register(MemorySegment... regions) {
        if (registeredOnce) {
            start = new long[0];
            end = new long[0];
            return;
        }
        registeredOnce = true;
        if (!Boolean.getBoolean(PROPERTY)) {
            return;
        }
        try {
            ring.registerBuffers(regions);
        } catch (NativeIoException e) {
            // RLIMIT_MEMLOCK too small for the regions, for example: plain reads and writes work as well.
            LOG.log(System.Logger.Level.DEBUG, "io_uring buffer registration refused, going on without: {0}",
                e.getMessage());
            return;
        }
        long[] starts = new long[regions.length];
        long[] ends = new long[regions.length];
        for (int i = 0; i < regions.length; i++) {
            starts[i] = regions[i].address();
            ends[i] = starts[i] + regions[i].byteSize();
        }
        start = starts;
        end = ends;
    }

    /** How many regions are in use as fixed buffers. */
    int regionCount() {
        return start.length;
    }

    /** The index of the registered region holding all of {@code buffer}, or -1. */
    int indexOf(MemorySegment buffer) {
        long address = buffer.address();
        for (int i = 0; i < start.length; i++) {
            if (address >= start[i] && address + buffer.byteSize() <= end[i]) {
                return i;
            }
        }
        return -1;
    }
}
