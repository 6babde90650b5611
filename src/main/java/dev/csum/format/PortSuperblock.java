package dev.csum.format;

import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Reads and decodes a volume's primary superblock through an {@link IoPort} (before any engine runs). */
public final class PortSuperblock {
    private static final int MAX_BLOCK_BYTES = 4096;

    private PortSuperblock() {
    }

    public static Superblock read(IoPort port) throws IOException {
        try (Arena arena = Arena.ofShared()) { // shared: a port may do the I/O on its own threads
            int alignment = Math.max(MAX_BLOCK_BYTES, port.alignmentBytes());
            MemorySegment block = arena.allocate(MAX_BLOCK_BYTES, alignment);
            if (port.fileSizeBytes(IoPort.DATA_FILE) < MAX_BLOCK_BYTES) {
                block = block.asSlice(0, 512);
            }
            int[] result = {Integer.MIN_VALUE};
            if (!port.prepareRead(IoPort.DATA_FILE, 0, block, 0, 0)) {
                throw new IOException("io port refused the superblock read");
            }
            while (result[0] == Integer.MIN_VALUE) {
                port.submitAndReap(1, (userData, res) -> result[0] = res);
            }
            if (result[0] != block.byteSize()) {
                throw new IOException("reading the superblock failed: result " + result[0]);
            }
            return Superblock.decode(block);
        }
    }
}
