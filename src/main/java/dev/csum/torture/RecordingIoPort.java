package dev.csum.torture;

import dev.csum.io.ForwardingIoPort;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link IoPort} decorator that records, in completion order, every write that completed
 * successfully (file, offset, the bytes) and every fsync (a flush point): the dm-log-writes of this
 * project. Replaying the first {@code k} records over the image the volume was opened on rebuilds
 * the device as a crash after the {@code k}-th completion would leave it (every completed write
 * persisted, every write in flight lost).
 *
 * <p>Each record carries a sequence number from a clock shared with the workload, so the workload
 * can tell which of its requests were complete or in flight at any record. Recording copies each
 * write's bytes: a test tool, not for production.
 *
 * <p>Besides the completions it keeps every write it was asked to issue ({@link #writesIssued()}),
 * whatever its outcome: the bytes a tool must restore to undo everything a volume wrote.
 *
 * <p>Threading: the port's methods run on the engine's event-loop thread, as the port contract
 * says; {@link #records()} may be read by another thread once the volume is closed.
 */
public final class RecordingIoPort extends ForwardingIoPort {

    /** One completed write ({@code data != null}) or fsync ({@code data == null}). */
    public record Record(long sequence, int fileIndex, long offsetBytes, byte[] data) {
        public boolean isFlush() {
            return data == null;
        }
    }

    /** Where a write was issued: its file, offset and length. */
    public record Extent(int fileIndex, long offsetBytes, long lengthBytes) {
    }

    /** {@code punch}: completes with 0 having stored the zeros of {@code buffer}. */
    private record Pending(int fileIndex, long offsetBytes, MemorySegment buffer, boolean punch) {
    }

    private final AtomicLong clock;
    private final HashMap<Long, Pending> pending = new HashMap<>();
    private final List<Record> records = new ArrayList<>();
    private final List<Extent> issued = new ArrayList<>();

    /**
     * @param clock the sequence shared with the workload: each record takes {@code clock.incrementAndGet()}
     */
    public RecordingIoPort(IoPort delegate, AtomicLong clock) {
        super(delegate);
        this.clock = clock;
    }

    /** The records so far, in completion order. */
    public synchronized List<Record> records() {
        return List.copyOf(records);
    }

    /** Every write accepted so far, completed or not, in the order issued. */
    public synchronized List<Extent> writesIssued() {
        return List.copyOf(issued);
    }

    @Override
    public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        boolean accepted = port.prepareWrite(fileIndex, offsetBytes, buffer, flags, userData);
        if (accepted) {
            pending.put(userData, new Pending(fileIndex, offsetBytes, buffer, false));
            synchronized (this) {
                issued.add(new Extent(fileIndex, offsetBytes, buffer.byteSize()));
            }
        }
        return accepted;
    }

    /** A punch is recorded as the write of zeros it amounts to. */
    @Override
    public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
        boolean accepted = port.preparePunch(fileIndex, offsetBytes, lengthBytes, flags, userData);
        if (accepted) {
            pending.put(userData, new Pending(fileIndex, offsetBytes, MemorySegment.ofArray(new byte[Math.toIntExact(lengthBytes)]),
                true));
            synchronized (this) {
                issued.add(new Extent(fileIndex, offsetBytes, lengthBytes));
            }
        }
        return accepted;
    }

    @Override
    public boolean prepareFsync(int fileIndex, int flags, long userData) {
        boolean accepted = port.prepareFsync(fileIndex, flags, userData);
        if (accepted) {
            pending.put(userData, new Pending(fileIndex, -1, null, false));
        }
        return accepted;
    }

    @Override
    public int submitAndReap(int minCompletions, CompletionSink sink) throws IOException {
        return port.submitAndReap(minCompletions, (userData, result) -> {
            Pending op = pending.remove(userData);
            if (op != null) {
                if (op.buffer == null && result == 0) {
                    record(new Record(clock.incrementAndGet(), op.fileIndex, 0, null));
                } else if (op.buffer != null && result == (op.punch ? 0 : op.buffer.byteSize())) {
                    record(new Record(clock.incrementAndGet(), op.fileIndex, op.offsetBytes,
                        op.buffer.toArray(ValueLayout.JAVA_BYTE)));
                }
            }
            sink.onCompletion(userData, result);
        });
    }

    private synchronized void record(Record record) {
        records.add(record);
    }

}
