package dev.csum.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The submission and completion side of one {@link SimulatedDisk} port: the queue of prepared
 * operations, the logical clock, link and drain ordering, validation, and completion in seeded random
 * order. Effects on the bytes are delegated to {@link SimMedia} at each completion.
 *
 * <p>An operation moves through four places: {@code prepared} (not yet submitted), {@code waiting}
 * (submitted, held back by a link or a drain), {@code running} (started, ordered by completion tick)
 * and {@code completed} (done, not yet handed to a sink).
 */
final class SimScheduler {

    static final int FLAGS_KNOWN = IoPort.FLAG_LINK | IoPort.FLAG_DRAIN | IoPort.FLAG_DSYNC | IoPort.FLAG_DATASYNC;

    /** {@code PUNCH}: a write of zeros (its buffer, allocated zeroed) that completes with 0, as fallocate does. */
    enum Opcode { READ, WRITE, FSYNC, PUNCH }

    /** One operation, from prepare to completion. */
    private static final class Op {
        final long sequence;
        final Opcode opcode;
        final int fileIndex;
        final long offsetBytes;
        final MemorySegment buffer;
        final int flags;
        final long userData;
        Op linkPredecessor;
        long startOrder;
        long completionTick;
        long tieBreak;
        int errno;
        byte[] writeSnapshot;
        boolean completed;
        int result;

        Op(long sequence, Opcode opcode, int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
            this.sequence = sequence;
            this.opcode = opcode;
            this.fileIndex = fileIndex;
            this.offsetBytes = offsetBytes;
            this.buffer = buffer;
            this.flags = flags;
            this.userData = userData;
        }

        boolean has(int flag) {
            return (flags & flag) != 0;
        }

        /** Whether the operation stores bytes on the media (a write, or a punch: zeros). */
        boolean writes() {
            return opcode == Opcode.WRITE || opcode == Opcode.PUNCH;
        }

        long lengthBytes() {
            return buffer == null ? 0 : buffer.byteSize();
        }
    }

    private static final Comparator<Op> COMPLETION_ORDER = Comparator.<Op>comparingLong(op -> op.completionTick)
            .thenComparingLong(op -> op.tieBreak)
            .thenComparingLong(op -> op.sequence);

    private final SimMedia media;
    private final int queueDepth;
    private final int alignmentBytes;
    private final int latencyTicksMin;
    private final int latencyTicksMax;

    private final ArrayList<Op> prepared = new ArrayList<>();
    /** Submitted, not started, in submission order. */
    private final ArrayList<Op> waiting = new ArrayList<>();
    private final PriorityQueue<Op> running = new PriorityQueue<>(COMPLETION_ORDER);
    /** Completed, not yet handed to a sink, in completion order. */
    private final ArrayDeque<Op> completed = new ArrayDeque<>();
    private long clockTicks;
    private long sequenceNext;
    private long startOrderNext;
    private boolean reaping;

    SimScheduler(SimMedia media, int queueDepth, int alignmentBytes, int latencyTicksMin, int latencyTicksMax) {
        assert queueDepth >= 1 && alignmentBytes % SimFile.SECTOR_BYTES == 0;
        assert latencyTicksMin >= 1 && latencyTicksMax >= latencyTicksMin;
        this.media = media;
        this.queueDepth = queueDepth;
        this.alignmentBytes = alignmentBytes;
        this.latencyTicksMin = latencyTicksMin;
        this.latencyTicksMax = latencyTicksMax;
    }

    int inFlight() {
        return prepared.size() + waiting.size() + running.size();
    }

    long clockTicks() {
        return clockTicks;
    }

    boolean reaping() {
        return reaping;
    }

    /** Queues an operation; false when the queue is full. */
    boolean prepare(Opcode opcode, int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
        if (inFlight() >= queueDepth) {
            return false;
        }
        prepared.add(new Op(sequenceNext++, opcode, fileIndex, offsetBytes, buffer, flags, userData));
        return true;
    }

    int submitAndReap(int minCompletions, IoPort.CompletionSink sink) {
        if (reaping) {
            throw new IllegalStateException("submitAndReap called from a completion sink");
        }
        submitPrepared();
        // One tick passes per call, so a caller polling with minCompletions 0 still sees progress.
        clockTicks++;
        startReadyOps(clockTicks);
        completeDueOps();
        while (completed.size() < minCompletions && !running.isEmpty()) {
            clockTicks = running.peek().completionTick;
            completeDueOps();
        }
        // The oldest incomplete operation can always start, so waiting implies running.
        assert !running.isEmpty() || waiting.isEmpty() : "operations waiting with nothing running";
        return deliverCompleted(sink);
    }

    /**
     * Abandons every operation: none will complete. Returns the writes the device had started and not
     * completed, in start order (at a crash, these may have reached the media). A crash counts the
     * dropped operations; a close does not.
     */
    List<SimMedia.InFlightWrite> dropAll(boolean crash) {
        ArrayList<Op> started = new ArrayList<>(running);
        started.sort(Comparator.comparingLong(op -> op.startOrder));
        List<SimMedia.InFlightWrite> writes = new ArrayList<>();
        for (Op op : started) {
            if (op.writes() && op.errno == 0 && op.writeSnapshot.length > 0) {
                writes.add(new SimMedia.InFlightWrite(media.file(op.fileIndex),
                        op.offsetBytes / SimFile.SECTOR_BYTES, op.writeSnapshot));
            }
        }
        if (crash) {
            media.stats.crashDroppedOps += prepared.size() + waiting.size() + running.size() + completed.size();
        }
        prepared.clear();
        waiting.clear();
        running.clear();
        completed.clear();
        return writes;
    }

    private void submitPrepared() {
        Op linkPredecessor = null;
        for (Op op : prepared) {
            op.linkPredecessor = linkPredecessor;
            linkPredecessor = op.has(IoPort.FLAG_LINK) ? op : null;
            waiting.add(op);
        }
        // A chain does not span submissions: the last operation's link flag links to nothing.
        prepared.clear();
    }

    /** Starts, at {@code tick}, every waiting operation whose link and drain constraints are met. */
    private void startReadyOps(long tick) {
        long runningSequenceMin = Long.MAX_VALUE;
        long drainSequence = Long.MAX_VALUE;
        for (Op op : running) {
            runningSequenceMin = Math.min(runningSequenceMin, op.sequence);
            if (op.has(IoPort.FLAG_DRAIN)) {
                drainSequence = Math.min(drainSequence, op.sequence);
            }
        }
        int index = 0;
        while (index < waiting.size()) {
            Op op = waiting.get(index);
            if (op.sequence > drainSequence) {
                break; // A drain is incomplete: nothing submitted after it starts.
            }
            if (op.has(IoPort.FLAG_DRAIN)) {
                boolean earlierIncomplete = index > 0 || runningSequenceMin < op.sequence;
                if (earlierIncomplete) {
                    break; // Neither it nor anything after it starts yet.
                }
                drainSequence = op.sequence;
            }
            if (op.linkPredecessor != null && !op.linkPredecessor.completed) {
                index++;
                continue;
            }
            waiting.remove(index);
            start(op, tick);
            runningSequenceMin = Math.min(runningSequenceMin, op.sequence);
        }
    }

    private void start(Op op, long tick) {
        assert op.linkPredecessor == null || (op.linkPredecessor.completed && op.linkPredecessor.result >= 0);
        op.errno = validate(op);
        if (op.errno == 0 && op.writes()) {
            // The device reads the buffer when it starts; a later change is a stable-writes violation.
            op.writeSnapshot = op.buffer.toArray(ValueLayout.JAVA_BYTE);
        }
        int latencyTicks = op.errno != 0 ? 1 : latencyTicksMin + media.random.nextInt(latencyTicksMax - latencyTicksMin + 1);
        op.completionTick = tick + latencyTicks;
        op.tieBreak = media.random.nextLong();
        op.startOrder = startOrderNext++;
        running.add(op);
    }

    /** The errno an operation fails with before it touches the media, or 0. */
    private int validate(Op op) {
        if ((op.flags & ~FLAGS_KNOWN) != 0) {
            return SimulatedDisk.EINVAL;
        }
        SimFile file = media.fileOrNull(op.fileIndex);
        if (file == null) {
            return SimulatedDisk.EBADF;
        }
        if (op.opcode == Opcode.FSYNC) {
            return 0;
        }
        MemorySegment buffer = op.buffer;
        if (!buffer.isNative() || (op.opcode == Opcode.READ && buffer.isReadOnly())) {
            return SimulatedDisk.EFAULT;
        }
        long length = buffer.byteSize();
        if (op.offsetBytes < 0 || length > Integer.MAX_VALUE
                || op.offsetBytes % alignmentBytes != 0 || length % alignmentBytes != 0
                || buffer.address() % alignmentBytes != 0
                || op.offsetBytes + length > file.sizeBytes) {
            return SimulatedDisk.EINVAL;
        }
        return 0;
    }

    /** Completes every running operation due by the clock, in completion order, starting what each unblocks. */
    private void completeDueOps() {
        while (!running.isEmpty() && running.peek().completionTick <= clockTicks) {
            Op op = running.poll();
            complete(op);
            startReadyOps(op.completionTick);
        }
    }

    private void complete(Op op) {
        SimulatedDiskStats stats = media.stats;
        int result;
        if (op.errno != 0) {
            stats.invalidOps++;
            result = -op.errno;
        } else {
            SimFile file = media.file(op.fileIndex);
            int length = (int) op.lengthBytes();
            switch (op.opcode) {
                case READ -> {
                    byte[] bytes = new byte[length];
                    result = length == 0 ? 0 : media.read(file, op.offsetBytes, bytes);
                    if (result >= 0) {
                        MemorySegment.copy(bytes, 0, op.buffer, ValueLayout.JAVA_BYTE, 0, length);
                        stats.bytesRead += length;
                    }
                }
                case WRITE, PUNCH -> {
                    if (MemorySegment.ofArray(op.writeSnapshot).mismatch(op.buffer) != -1) {
                        stats.unstableWriteBuffers++;
                    }
                    if (length > 0) {
                        media.write(file, op.offsetBytes, op.writeSnapshot, op.has(IoPort.FLAG_DSYNC));
                    }
                    result = op.opcode == Opcode.PUNCH ? 0 : length;
                    stats.bytesWritten += length;
                }
                case FSYNC -> {
                    media.fsync(file);
                    result = 0;
                }
                default -> throw new AssertionError(op.opcode);
            }
        }
        finish(op, result);
        boolean transfers = op.opcode == Opcode.READ || op.opcode == Opcode.WRITE;
        boolean failed = result < 0 || (transfers && result != op.lengthBytes());
        if (failed) {
            cancelChainAfter(op);
        }
    }

    /** Completes with {@code -ECANCELED} the rest of the chain after {@code failed} (a loop, not recursion). */
    private void cancelChainAfter(Op failed) {
        Op predecessor = failed;
        while (true) {
            Op successor = null;
            for (int index = 0; index < waiting.size(); index++) {
                if (waiting.get(index).linkPredecessor == predecessor) {
                    successor = waiting.remove(index);
                    break;
                }
            }
            if (successor == null) {
                return;
            }
            media.stats.cancelledOps++;
            finish(successor, -SimulatedDisk.ECANCELED);
            predecessor = successor;
        }
    }

    private void finish(Op op, int result) {
        op.completed = true;
        op.result = result;
        op.writeSnapshot = null;
        completed.add(op);
        switch (op.opcode) {
            case READ -> media.stats.reads++;
            case WRITE, PUNCH -> media.stats.writes++;
            case FSYNC -> media.stats.fsyncs++;
        }
    }

    private int deliverCompleted(IoPort.CompletionSink sink) {
        int delivered = 0;
        reaping = true;
        try {
            // The sink may prepare operations; they wait for the next submitAndReap.
            while (!completed.isEmpty()) {
                Op op = completed.poll();
                delivered++;
                sink.onCompletion(op.userData, op.result);
            }
        } finally {
            reaping = false;
        }
        return delivered;
    }
}
