package dev.csum.torture;

import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;

/**
 * The port the torture engine runs on: a {@link SimulatedDisk} port plus two things the checker needs.
 *
 * <ol>
 *   <li><b>Landing check.</b> When a data write completes successfully, it compares what the media now
 *       holds at the written blocks with the bytes the engine wrote, and tells the {@link LandingListener}
 *       block by block. A lost, misdirected, torn or bit-rotted data write is invisible to the engine
 *       (the device reports success); the checker uses this to tell a stale read the format cannot
 *       detect from an engine bug.</li>
 *   <li><b>Power cut.</b> After {@link #cut()} (the disk crashed) the engine that used this port is
 *       abandoned. Its pending and future operations complete with {@code -EIO}, so it can be closed and
 *       its native memory released; its callbacks are ignored by the run.</li>
 * </ol>
 */
final class TorturePort implements IoPort {

    /** Told whether each block of a successful data write is now on the media as written. */
    interface LandingListener {
        void onDataWrite(long offsetBytes, long lengthBytes, MemorySegment written, byte[] onMedia);
    }

    private record PendingWrite(long offsetBytes, MemorySegment buffer) {
    }

    private static final int EIO = 5;

    private final SimulatedDisk disk;
    private final LandingListener listener;
    /** Data writes in flight, by user data. */
    private final HashMap<Long, PendingWrite> dataWrites = new HashMap<>();
    /** Every operation accepted and not yet completed, in order, for the power cut. */
    private final LinkedHashSet<Long> outstanding = new LinkedHashSet<>();
    private final ArrayDeque<Long> deadCompletions = new ArrayDeque<>();
    private boolean dead;

    TorturePort(SimulatedDisk disk, LandingListener listener) {
        this.disk = disk;
        this.listener = listener;
    }

    SimulatedDisk disk() {
        return disk;
    }

    /** The disk crashed under this port: from now on every operation completes with {@code -EIO}. */
    void cut() {
        dead = true;
        deadCompletions.addAll(outstanding);
        outstanding.clear();
        dataWrites.clear();
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        if (dead) {
            deadCompletions.add(userData);
            return true;
        }
        return track(disk.prepareRead(fileIndex, offsetBytes, buffer, flags, userData), userData);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        if (dead) {
            deadCompletions.add(userData);
            return true;
        }
        boolean accepted = disk.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
        if (accepted && fileIndex == DATA_FILE) {
            dataWrites.put(userData, new PendingWrite(offsetBytes, buffer));
        }
        return track(accepted, userData);
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        if (dead) {
            deadCompletions.add(userData);
            return true;
        }
        return track(disk.prepareFsync(fileIndex, flags, userData), userData);
    }

    private boolean track(boolean accepted, long userData) {
        if (accepted) {
            outstanding.add(userData);
        }
        return accepted;
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) {
        if (dead) {
            int delivered = 0;
            Long userData;
            while ((userData = deadCompletions.poll()) != null) {
                sink.onCompletion(userData, -EIO);
                delivered++;
            }
            return delivered;
        }
        return disk.submitAndReap(minCompletions, (userData, result) -> {
            outstanding.remove(userData);
            PendingWrite write = dataWrites.remove(userData);
            if (write != null && result == write.buffer.byteSize()) {
                byte[] onMedia = new byte[(int) write.buffer.byteSize()];
                disk.readRaw(DATA_FILE, write.offsetBytes, onMedia);
                listener.onDataWrite(write.offsetBytes, write.buffer.byteSize(), write.buffer, onMedia);
            }
            sink.onCompletion(userData, result);
        });
    }

    @Override
    public void wakeup() {
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
        if (!dead) {
            disk.close();
        }
    }
}
