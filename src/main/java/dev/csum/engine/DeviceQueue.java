package dev.csum.engine;

import dev.csum.io.IoPort;
import java.io.IOException;

/**
 * The engine's one door to the device: sends the {@link OpTable}'s ready operations to the
 * {@link IoPort} while the device has room (a linked pair whole), counts each one as it goes (so
 * the counts are the volume's whole device traffic), and hands each completion, its slot released,
 * to the part of the engine that issued it ({@link Handler}). Event-loop only.
 */
final class DeviceQueue implements IoPort.CompletionSink {
    /** Where a completed operation goes: the engine's dispatch on its kind. */
    interface Handler {
        /**
         * @param kind the operation's {@link OpTable} kind
         * @param target what it was issued for (a piece, a group, a flush request, or null)
         * @param aux its kind's extra value (a record slot, a copy, a length)
         * @param result the port's result: bytes moved, 0, or a negative errno
         */
        void onOperation(byte kind, Object target, int aux, int fileIndex, int result);
    }

    /**
     * Further non-waiting reaps after a step's wait returned with completions, at most (while each
     * finds more). A batch the disk completed together reaches the ring over some microseconds, and
     * the wait ends with its first completions: reaping the rest in the same step keeps the batch
     * whole, so the requests it completes start together and share one log record, instead of the
     * stragglers forming a second record whose data writes wait a whole device round trip behind the
     * first's (4 KiB random writes: +18 % with writes in chunks of 4; PERFORMANCE.md, "Straggler reaps").
     */
    static final int STRAGGLER_REAPS = 4;

    private final IoPort port;
    private final OpTable ops;
    private final EngineCounters counters;
    private final int queueDepth;
    private final boolean readOnly;
    private Handler handler;
    private int opsInFlight;

    DeviceQueue(IoPort port, OpTable ops, EngineCounters counters, boolean readOnly) {
        this.port = port;
        this.ops = ops;
        this.counters = counters;
        this.queueDepth = port.queueDepth();
        this.readOnly = readOnly;
    }

    /** Connects the dispatch (built after this, as it calls every part of the engine). */
    void connect(Handler completionHandler) {
        this.handler = completionHandler;
    }

    /** Device operations in flight. */
    int opsInFlight() {
        return opsInFlight;
    }

    /** Nothing ready and nothing in flight. */
    boolean empty() {
        return opsInFlight == 0 && ops.readyCount() == 0;
    }

    /**
     * Sends what is ready, then submits and handles every available completion, waiting for at
     * least {@code minCompletions} (or a {@link IoPort#wakeup()}); when that found completions, sends
     * and reaps again without waiting while more arrive, up to {@link #STRAGGLER_REAPS} times.
     *
     * @return completions handled
     */
    int submitAndReap(int minCompletions) throws IOException {
        pump();
        // After pump(), ready operations remain only when the device is at its queue depth: then, as
        // when there is nothing to send, the next thing that can happen is a completion (or wakeup).
        int reaped = port.submitAndReap(minCompletions, this);
        for (int extra = 0; reaped > 0 && extra < STRAGGLER_REAPS; extra++) {
            pump(); // what those completions released (a record's data writes) goes out at once
            int more = port.submitAndReap(0, this);
            if (more == 0) {
                break;
            }
            reaped += more;
        }
        return reaped;
    }

    /** Sends ready operations to the port while the device has room, keeping linked pairs whole. */
    private void pump() {
        while (ops.readyCount() > 0) {
            int slot = ops.peekReady(0);
            int needed = ops.linkedToNext[slot] ? 2 : 1;
            if (opsInFlight + needed > queueDepth) {
                return;
            }
            for (int i = 0; i < needed; i++) {
                prepare(ops.pollReady());
            }
        }
    }

    private void prepare(int slot) {
        if (readOnly && (ops.portOp[slot] == OpTable.WRITE_OP || ops.portOp[slot] == OpTable.PUNCH_OP)) {
            // A read-only session must leave the devices byte for byte as they were: a write here is
            // an engine bug, stopped before it reaches the device (the read-only port would refuse it too).
            throw new IllegalStateException("engine bug: a write was prepared on a read-only volume (op kind "
                + ops.kind[slot] + ")");
        }
        boolean accepted = switch (ops.portOp[slot]) {
            case OpTable.READ_OP -> port.prepareRead(ops.fileIndex[slot], ops.offsetBytes[slot], ops.buffer[slot],
                ops.flags[slot], slot);
            case OpTable.WRITE_OP -> port.prepareWrite(ops.fileIndex[slot], ops.offsetBytes[slot], ops.buffer[slot],
                ops.flags[slot], slot);
            case OpTable.PUNCH_OP -> port.preparePunch(ops.fileIndex[slot], ops.offsetBytes[slot], ops.aux[slot],
                ops.flags[slot], slot);
            default -> port.prepareFsync(ops.fileIndex[slot], ops.flags[slot], slot);
        };
        // In-flight operations never exceed the port's queue depth, so its queue always has room.
        if (!accepted) {
            throw new IllegalStateException("io port refused an operation with " + opsInFlight + " of "
                + queueDepth + " in flight");
        }
        opsInFlight++;
        countDeviceOp(slot);
    }

    /**
     * Counts an operation handed to the device: every device operation passes here exactly once
     * (the one place the engine submits).
     */
    private void countDeviceOp(int slot) {
        switch (ops.portOp[slot]) {
            case OpTable.READ_OP -> {
                counters.increment(EngineCounters.DEVICE_READS);
                counters.add(EngineCounters.DEVICE_BYTES_READ, ops.buffer[slot].byteSize());
            }
            case OpTable.WRITE_OP -> {
                counters.increment(EngineCounters.DEVICE_WRITES);
                counters.add(EngineCounters.DEVICE_BYTES_WRITTEN, ops.buffer[slot].byteSize());
            }
            case OpTable.PUNCH_OP -> counters.increment(EngineCounters.DEVICE_PUNCHES);
            default -> counters.increment(EngineCounters.DEVICE_FLUSHES);
        }
    }

    @Override
    public void onCompletion(long userData, int result) {
        int slot = (int) userData;
        opsInFlight--;
        assert opsInFlight >= 0 : "more completions than operations";
        byte kind = ops.kind[slot];
        Object target = ops.target[slot];
        int aux = ops.aux[slot];
        int fileIndex = ops.fileIndex[slot];
        ops.release(slot); // before the handler runs: it may issue the next operation into this slot
        handler.onOperation(kind, target, aux, fileIndex, result);
    }
}
