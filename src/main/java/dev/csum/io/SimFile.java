package dev.csum.io;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;

/**
 * One simulated physical file: a durable image, a volatile write cache over it, and the sticky fault
 * state of its sectors. Package-private; {@link SimMedia} decides faults and calls this to store bytes.
 *
 * <p>The durable image is sparse: {@value #CHUNK_BYTES}-byte chunks allocated on first write, a missing
 * chunk reading as zeros, so a simulated 1 GiB file costs only what was written. The volatile cache
 * holds the latest cached bytes of each sector (what reads see) and, separately, the list of cached
 * writes in the order they completed (what a crash may or may not persist).
 */
final class SimFile {

    static final int SECTOR_BYTES = SimulatedDisk.SECTOR_SIZE_BYTES;
    static final int CHUNK_BYTES = 64 * 1024;
    static final int SECTORS_PER_CHUNK = CHUNK_BYTES / SECTOR_BYTES;

    static {
        assert CHUNK_BYTES % SECTOR_BYTES == 0;
    }

    /** A completed write still in the volatile cache. {@code live[i]} is false once a durable write superseded sector i. */
    static final class CachedWrite {
        final long firstSector;
        final byte[] data;
        final boolean[] live;

        CachedWrite(long firstSector, byte[] data) {
            assert data.length % SECTOR_BYTES == 0 && data.length > 0;
            this.firstSector = firstSector;
            this.data = data;
            this.live = new boolean[data.length / SECTOR_BYTES];
            java.util.Arrays.fill(live, true);
        }

        int sectorCount() {
            return live.length;
        }
    }

    final int physicalIndex;
    final long sizeBytes;
    final long sectorCount;

    private final byte[][] durableChunks;
    private final HashMap<Long, byte[]> cachedSectors = new HashMap<>();
    private final ArrayList<CachedWrite> cachedWrites = new ArrayList<>();
    /** Sector → index of the bit (0..4095) that every read of it returns flipped. */
    private final HashMap<Long, Integer> readRotBitBySector = new HashMap<>();
    private final HashSet<Long> latentErrorSectors = new HashSet<>();

    SimFile(int physicalIndex, long sizeBytes) {
        if (sizeBytes <= 0 || sizeBytes % SECTOR_BYTES != 0) {
            throw new IllegalArgumentException("file size must be a positive multiple of " + SECTOR_BYTES + ": " + sizeBytes);
        }
        long chunkCount = (sizeBytes + CHUNK_BYTES - 1) / CHUNK_BYTES;
        if (chunkCount > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("file too large to simulate: " + sizeBytes);
        }
        this.physicalIndex = physicalIndex;
        this.sizeBytes = sizeBytes;
        this.sectorCount = sizeBytes / SECTOR_BYTES;
        this.durableChunks = new byte[(int) chunkCount][];
    }

    // ---- Visible view (what reads see): the cached sector if any, else the durable one.

    /** Copies the visible bytes of {@code sector} into {@code target[targetIndex ..+512)}. */
    void readVisibleSector(long sector, byte[] target, int targetIndex) {
        byte[] cached = cachedSectors.get(sector);
        if (cached != null) {
            System.arraycopy(cached, 0, target, targetIndex, SECTOR_BYTES);
        } else {
            readDurable(sector * SECTOR_BYTES, target, targetIndex, SECTOR_BYTES);
        }
    }

    /** Copies visible bytes at any byte offset (raw access). */
    void readVisible(long offsetBytes, byte[] target, int targetIndex, int length) {
        checkRange(offsetBytes, length);
        byte[] sectorBytes = new byte[SECTOR_BYTES];
        int done = 0;
        while (done < length) {
            long position = offsetBytes + done;
            long sector = position / SECTOR_BYTES;
            int inSector = (int) (position % SECTOR_BYTES);
            int count = Math.min(SECTOR_BYTES - inSector, length - done);
            readVisibleSector(sector, sectorBytes, 0);
            System.arraycopy(sectorBytes, inSector, target, targetIndex + done, count);
            done += count;
        }
    }

    // ---- Durable image.

    void readDurable(long offsetBytes, byte[] target, int targetIndex, int length) {
        checkRange(offsetBytes, length);
        int done = 0;
        while (done < length) {
            long position = offsetBytes + done;
            int chunkIndex = (int) (position / CHUNK_BYTES);
            int inChunk = (int) (position % CHUNK_BYTES);
            int count = Math.min(CHUNK_BYTES - inChunk, length - done);
            byte[] chunk = durableChunks[chunkIndex];
            if (chunk == null) {
                java.util.Arrays.fill(target, targetIndex + done, targetIndex + done + count, (byte) 0);
            } else {
                System.arraycopy(chunk, inChunk, target, targetIndex + done, count);
            }
            done += count;
        }
    }

    void writeDurable(long offsetBytes, byte[] source, int sourceIndex, int length) {
        checkRange(offsetBytes, length);
        int done = 0;
        while (done < length) {
            long position = offsetBytes + done;
            int chunkIndex = (int) (position / CHUNK_BYTES);
            int inChunk = (int) (position % CHUNK_BYTES);
            int count = Math.min(CHUNK_BYTES - inChunk, length - done);
            if (durableChunks[chunkIndex] == null) {
                long chunkBytes = Math.min(CHUNK_BYTES, sizeBytes - (long) chunkIndex * CHUNK_BYTES);
                durableChunks[chunkIndex] = new byte[(int) chunkBytes];
            }
            System.arraycopy(source, sourceIndex + done, durableChunks[chunkIndex], inChunk, count);
            done += count;
        }
    }

    // ---- Stores by the device.

    /**
     * Stores whole sectors starting at {@code firstSector}: into the volatile cache, or straight to the
     * durable image when {@code durable}. Storing a sector heals its sticky faults (the drive rewrote
     * or remapped it).
     */
    void storeSectors(long firstSector, byte[] data, boolean durable) {
        assert data.length % SECTOR_BYTES == 0;
        int count = data.length / SECTOR_BYTES;
        assert firstSector >= 0 && firstSector + count <= sectorCount;
        for (int i = 0; i < count; i++) {
            long sector = firstSector + i;
            readRotBitBySector.remove(sector);
            latentErrorSectors.remove(sector);
            if (durable) {
                cachedSectors.remove(sector);
            } else {
                byte[] copy = new byte[SECTOR_BYTES];
                System.arraycopy(data, i * SECTOR_BYTES, copy, 0, SECTOR_BYTES);
                cachedSectors.put(sector, copy);
            }
        }
        if (durable) {
            writeDurable(firstSector * SECTOR_BYTES, data, 0, data.length);
            supersedeCachedWrites(firstSector, count);
        } else {
            cachedWrites.add(new CachedWrite(firstSector, data.clone()));
        }
    }

    /**
     * A durable write replaced these sectors in the drive's cache too, so no older cached write to
     * them can reach the media later, at a crash, and undo it.
     */
    private void supersedeCachedWrites(long firstSector, int count) {
        for (CachedWrite cached : cachedWrites) {
            for (int i = 0; i < cached.sectorCount(); i++) {
                long sector = cached.firstSector + i;
                if (sector >= firstSector && sector < firstSector + count) {
                    cached.live[i] = false;
                }
            }
        }
    }

    /** Makes every cached write durable (fsync). */
    void flush() {
        // Sectors are distinct keys, so the order of this walk does not change the result.
        for (var entry : cachedSectors.entrySet()) {
            writeDurable(entry.getKey() * SECTOR_BYTES, entry.getValue(), 0, SECTOR_BYTES);
        }
        cachedSectors.clear();
        cachedWrites.clear();
    }

    /** Empties the volatile cache and returns its writes in completion order (for a crash to choose from). */
    List<CachedWrite> dropCache() {
        List<CachedWrite> dropped = new ArrayList<>(cachedWrites);
        cachedSectors.clear();
        cachedWrites.clear();
        return dropped;
    }

    boolean hasCachedWrites() {
        return !cachedWrites.isEmpty();
    }

    // ---- Raw access by tests.

    /** Writes bytes into every layer that holds them (durable image, cached sectors, cached writes). */
    void writeRaw(long offsetBytes, byte[] source, int sourceIndex, int length) {
        writeDurable(offsetBytes, source, sourceIndex, length);
        long end = offsetBytes + length;
        for (var entry : cachedSectors.entrySet()) {
            patch(entry.getKey() * SECTOR_BYTES, entry.getValue(), offsetBytes, end, source, sourceIndex);
        }
        for (CachedWrite cached : cachedWrites) {
            patch(cached.firstSector * SECTOR_BYTES, cached.data, offsetBytes, end, source, sourceIndex);
        }
    }

    /** Copies the part of [start, end) from {@code source} that overlaps {@code target} (which starts at {@code targetStart}). */
    private static void patch(long targetStart, byte[] target, long start, long end, byte[] source, int sourceIndex) {
        long from = Math.max(targetStart, start);
        long to = Math.min(targetStart + target.length, end);
        if (from < to) {
            System.arraycopy(source, sourceIndex + (int) (from - start), target, (int) (from - targetStart), (int) (to - from));
        }
    }

    // ---- Sticky sector faults.

    /** The bit index every read of {@code sector} returns flipped, or -1. */
    int readRotBit(long sector) {
        Integer bit = readRotBitBySector.get(sector);
        return bit == null ? -1 : bit;
    }

    void setReadRotBit(long sector, int bitIndex) {
        assert bitIndex >= 0 && bitIndex < SECTOR_BYTES * 8;
        readRotBitBySector.put(sector, bitIndex);
    }

    boolean hasLatentError(long sector) {
        return latentErrorSectors.contains(sector);
    }

    void setLatentError(long sector) {
        latentErrorSectors.add(sector);
    }

    void clearStickyFaults() {
        readRotBitBySector.clear();
        latentErrorSectors.clear();
    }

    void checkSector(long sector) {
        if (sector < 0 || sector >= sectorCount) {
            throw new IndexOutOfBoundsException("sector " + sector + " outside file " + physicalIndex
                    + " of " + sectorCount + " sectors");
        }
    }

    private void checkRange(long offsetBytes, long length) {
        if (offsetBytes < 0 || length < 0 || offsetBytes + length > sizeBytes) {
            throw new IndexOutOfBoundsException("range [" + offsetBytes + ", " + (offsetBytes + length)
                    + ") outside file " + physicalIndex + " of " + sizeBytes + " bytes");
        }
    }
}
