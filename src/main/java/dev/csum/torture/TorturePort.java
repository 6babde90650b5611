package dev.csum.torture;

import dev.csum.io.ForwardingIoPort;
import dev.csum.io.PowerCutPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;

/**
 * The port the torture engine runs on: a {@link SimulatedDisk} port plus two things the checker needs.
 *
 * <ol>
 *   <li><b>Landing check.</b> When a write completes successfully, it reads what the media now holds
 *       where the write was meant to go and hands it, with the bytes the engine wrote, to the
 *       {@link LandingListener}; likewise for reads of the metadata file (an imd pair or the log altered
 *       by a read fault); it also tells it of every write issued and of every such transfer that failed.
 *       A lost, misdirected, torn or bit-rotted write is invisible to the
 *       engine (the device reports success); the checker uses this to tell a stale read the format
 *       cannot detect from an engine bug.</li>
 *   <li><b>Power cut.</b> After {@link #cut()} (the disk crashed) the engine that used this port is
 *       abandoned. Its pending and future operations complete with {@code -EIO} ({@link PowerCutPort}),
 *       so it can be closed and its native memory released; its callbacks are ignored by the run.</li>
 * </ol>
 */
final class TorturePort extends ForwardingIoPort {

    /** Told, for each successful write, what the media now holds where it was meant to go. */
    interface LandingListener {
        void onTransfer(boolean write, int fileIndex, long offsetBytes, MemorySegment transferred, byte[] onMedia);

        /** A write was accepted by the device; {@code buffer} holds what it writes, {@code flags} as given. */
        default void onWriteIssued(int fileIndex, long offsetBytes, MemorySegment buffer, int flags) {
        }

        /** A write, or a read of the metadata file, failed. */
        default void onFailed(boolean write, int fileIndex, long offsetBytes, long lengthBytes) {
        }
    }

    /** {@code punch}: a punch, which stores the zeros of {@code buffer} and completes with 0. */
    private record Pending(boolean write, int fileIndex, long offsetBytes, MemorySegment buffer, boolean punch) {
        boolean succeeded(int result) {
            return punch ? result == 0 : result == buffer.byteSize();
        }
    }

    private final SimulatedDisk disk;
    /** The disk, behind the power cut: {@link ForwardingIoPort#port}. */
    private final PowerCutPort powerCut;
    private final LandingListener listener;
    /** Writes, and metadata reads, in flight by user data. */
    private final HashMap<Long, Pending> transfers = new HashMap<>();

    TorturePort(SimulatedDisk disk, LandingListener listener) {
        this(disk, new PowerCutPort(disk), listener);
    }

    private TorturePort(SimulatedDisk disk, PowerCutPort powerCut, LandingListener listener) {
        super(powerCut);
        this.disk = disk;
        this.powerCut = powerCut;
        this.listener = listener;
    }

    SimulatedDisk disk() {
        return disk;
    }

    /** The disk crashed under this port: from now on every operation completes with {@code -EIO}. */
    void cut() {
        powerCut.cut();
        transfers.clear();
    }

    @Override
    public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        boolean accepted = port.prepareRead(fileIndex, offsetBytes, buffer, flags, userData);
        if (accepted && !powerCut.isCut() && fileIndex == METADATA_FILE) {
            transfers.put(userData, new Pending(false, fileIndex, offsetBytes, buffer, false));
        }
        return accepted;
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        boolean accepted = port.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
        if (accepted && !powerCut.isCut()) {
            transfers.put(userData, new Pending(true, fileIndex, offsetBytes, buffer, false));
            listener.onWriteIssued(fileIndex, offsetBytes, buffer, flags);
        }
        return accepted;
    }

    /** A punch is, to the listener, a write of zeros. */
    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        boolean accepted = port.preparePunch(fileIndex, offsetBytes, lengthBytes, flags, userData);
        if (accepted && !powerCut.isCut()) {
            MemorySegment zeros = MemorySegment.ofArray(new byte[Math.toIntExact(lengthBytes)]);
            transfers.put(userData, new Pending(true, fileIndex, offsetBytes, zeros, true));
            listener.onWriteIssued(fileIndex, offsetBytes, zeros, flags);
        }
        return accepted;
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
        return port.submitAndReap(minCompletions, (userData, result) -> {
            Pending transfer = transfers.remove(userData);
            if (transfer != null && transfer.succeeded(result)) {
                byte[] onMedia = new byte[(int) transfer.buffer.byteSize()];
                disk.readRaw(transfer.fileIndex, transfer.offsetBytes, onMedia);
                listener.onTransfer(transfer.write, transfer.fileIndex, transfer.offsetBytes, transfer.buffer, onMedia);
            } else if (transfer != null) {
                listener.onFailed(transfer.write, transfer.fileIndex, transfer.offsetBytes, transfer.buffer.byteSize());
            }
            sink.onCompletion(userData, result);
        });
    }
}
