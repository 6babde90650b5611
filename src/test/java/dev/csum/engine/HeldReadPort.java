package dev.csum.engine;

import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Test port over a simulated disk: reads of one data-file offset run at once (they return what the
 * media held when they were prepared) and their completions are held back until {@link #release()}
 * — a read whose thread was preempted between its {@code pread} and handing back its completion, as
 * can happen on the portable FileChannel port. Writes at that offset may be held too
 * ({@link #holdWrites}): they land at once, their completions wait. Every other operation passes
 * straight through. {@link #events()} lists what happened at the watched offset.
 */
final class HeldReadPort implements IoPort {
    private final SimulatedDisk disk;
    private long heldOffsetBytes = -1;
    private final Map<Long, byte[]> snapshotByUserData = new HashMap<>();
    private final Map<Long, MemorySegment> bufferByUserData = new HashMap<>();
    private final List<long[]> held = new ArrayList<>(); // {userData, result}
    private final java.util.Set<Long> heldWrites = new java.util.HashSet<>();
    private boolean releaseRequested;
    private boolean releaseWrites;
    private boolean releaseNewest;
    private boolean holdWrites;
    private long watchedOffsetBytes = -1;
    private final java.util.Set<Long> watchedWrites = new java.util.HashSet<>();
    private final List<String> events = new ArrayList<>();

    HeldReadPort(SimulatedDisk disk) {
        this.disk = disk;
    }

    /**
     * A held-read port over a fresh simulated disk of 4 MiB formatted with 4096-byte blocks,
     * interleaved, crc32c; {@code seed} drives the disk and names the volume.
     */
    static HeldReadPort overFreshVolume(long seed) throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(4L << 20).queueDepth(32).build();
        HeldReadPort port = new HeldReadPort(disk);
        port.geometry = dev.csum.format.PortFormatter.format(disk, 4096, dev.csum.checksum.ChecksumAlgorithm.CRC32C,
            dev.csum.format.MetadataPlacement.INTERLEAVED, new java.util.UUID(seed, 1)).geometry();
        return port;
    }

    /** The simulated disk under this port (to damage its media). */
    SimulatedDisk disk() {
        return disk;
    }

    /** The formatted volume's layout ({@link #overFreshVolume}). */
    private dev.csum.format.Geometry geometry;

    /** A volume opened on this port, driven by the caller's thread. */
    dev.csum.Volume open() throws IOException {
        return dev.csum.internal.VolumeInternals.openOnPort(this, dev.csum.VolumeOptions.of(java.nio.file.Path.of("sim")),
            true);
    }

    /** The data file offset of volume block {@code block} (4096-byte blocks). */
    long dataOffsetBytes(long block) {
        return geometry.dataOffsetBytes(block);
    }

    /** Holds every read at {@code offsetBytes} of the data file from now on; -1 holds none. */
    void holdReadsAt(long offsetBytes) {
        heldOffsetBytes = offsetBytes;
    }

    /** Also holds the completions of writes at the offset reads are held at (they land at once). */
    void holdWrites(boolean hold) {
        holdWrites = hold;
    }

    /**
     * Records, from now on, each data read prepared at {@code offsetBytes} ("read") and each write
     * there delivered to the engine ("write done"), in order: {@link #events()}.
     */
    void watch(long offsetBytes) {
        watchedOffsetBytes = offsetBytes;
    }

    List<String> events() {
        return events;
    }

    /** Completions held (after a {@link #release()}, counted once the release has delivered the earlier ones). */
    int heldCount() {
        return releaseRequested ? -1 : held.size();
    }

    /** The next {@code submitAndReap} delivers every held read, with the data of its snapshot. */
    void release() {
        releaseRequested = true;
        releaseWrites = true;
    }

    /** Delivers, at the next {@code submitAndReap}, only the completion held last. */
    void releaseNewest() {
        releaseNewest = true;
    }

    /** As {@link #release()}, for the held reads only: held writes stay held. */
    void releaseReads() {
        releaseRequested = true;
        releaseWrites = false;
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        if (fileIndex == DATA_FILE && offsetBytes == watchedOffsetBytes) {
            events.add("read");
        }
        if (fileIndex == DATA_FILE && offsetBytes == heldOffsetBytes) {
            byte[] snapshot = new byte[(int) buffer.byteSize()];
            disk.readRaw(DATA_FILE, offsetBytes, snapshot);
            snapshotByUserData.put(userData, snapshot);
            bufferByUserData.put(userData, buffer);
        }
        return disk.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        if (fileIndex == DATA_FILE && offsetBytes == watchedOffsetBytes) {
            watchedWrites.add(userData);
        }
        if (fileIndex == DATA_FILE && offsetBytes == heldOffsetBytes && holdWrites) {
            heldWrites.add(userData);
        }
        return disk.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
    }

    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        return disk.preparePunch(fileIndex, offsetBytes, lengthBytes, flags, userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        return disk.prepareFsync(fileIndex, flags, userData);
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) {
        int delivered = 0;
        if (releaseNewest) {
            releaseNewest = false;
            deliverHeld(sink, held.remove(held.size() - 1));
            delivered++;
        }
        if (releaseRequested) {
            releaseRequested = false;
            List<long[]> stillHeld = new ArrayList<>();
            for (long[] completion : held) {
                if (!releaseWrites && !snapshotByUserData.containsKey(completion[0])) {
                    stillHeld.add(completion); // a held write
                    continue;
                }
                deliverHeld(sink, completion);
                delivered++;
            }
            held.clear();
            held.addAll(stillHeld);
        }
        return delivered + disk.submitAndReap(minCompletions, (userData, result) -> {
            if (snapshotByUserData.containsKey(userData) || heldWrites.remove(userData)) {
                held.add(new long[] {userData, result});
            } else {
                deliver(sink, userData, result);
            }
        });
    }

    /** Delivers a held completion {userData, result}; a read's buffer gets the data of its snapshot first. */
    private void deliverHeld(CompletionSink sink, long[] completion) {
        long userData = completion[0];
        byte[] snapshot = snapshotByUserData.remove(userData);
        MemorySegment buffer = bufferByUserData.remove(userData);
        if (buffer != null && buffer.scope().isAlive()) { // else: a write, or its owner closed it after the read ran
            MemorySegment.copy(snapshot, 0, buffer, ValueLayout.JAVA_BYTE, 0, snapshot.length);
        }
        deliver(sink, userData, (int) completion[1]);
    }

    private void deliver(CompletionSink sink, long userData, int result) {
        if (watchedWrites.remove(userData)) {
            events.add("write done");
        }
        sink.onCompletion(userData, result);
    }

    @Override
    public void wakeup() {
        disk.wakeup();
    }

    @Override
    public int queueDepth() {
        return disk.queueDepth();
    }

    @Override
    public int alignmentBytes() {
        return disk.alignmentBytes();
    }

    @Override
    public long fileSizeBytes(int fileIndex) {
        return disk.fileSizeBytes(fileIndex);
    }

    @Override
    public void close() throws IOException {
        disk.close();
    }
}
