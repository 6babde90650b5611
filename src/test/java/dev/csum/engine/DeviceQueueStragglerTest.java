package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.csum.io.IoPort;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A batch the device completed together reaches the port a few completions at a time; the step that
 * waited for the first of them handles the rest too (DeviceQueue's straggler reaps), so the
 * requests the batch completes start together and share one log record.
 */
class DeviceQueueStragglerTest {

    /** Completes every operation when it is submitted, but lets each reap see at most {@code perReap} of them. */
    private static final class TricklingPort implements IoPort {
        private final int perReap;
        private final ArrayDeque<Long> completed = new ArrayDeque<>();
        private final List<Long> prepared = new ArrayList<>();

        TricklingPort(int perReap) {
            this.perReap = perReap;
        }

        private boolean prepare(long userData) {
            prepared.add(userData);
            return true;
        }

        @Override
        public boolean prepareRead(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
            return prepare(userData);
        }

        @Override
        public boolean prepareWrite(int fileIndex, long offsetBytes, MemorySegment buffer, int flags, long userData) {
            return prepare(userData);
        }

        @Override
        public boolean prepareFsync(int fileIndex, int flags, long userData) {
            return prepare(userData);
        }

        @Override
        public boolean preparePunch(int fileIndex, long offsetBytes, long lengthBytes, int flags, long userData) {
            return prepare(userData);
        }

        @Override
        public int submitAndReap(int minCompletions, CompletionSink sink) {
            completed.addAll(prepared);
            prepared.clear();
            int delivered = 0;
            while (delivered < perReap && !completed.isEmpty()) {
                sink.onCompletion(completed.poll(), 4096);
                delivered++;
            }
            return delivered;
        }

        @Override
        public void wakeup() {
        }

        @Override
        public int queueDepth() {
            return 64;
        }

        @Override
        public int alignmentBytes() {
            return 4096;
        }

        @Override
        public long fileSizeBytes(int fileIndex) {
            return 1 << 30;
        }

        @Override
        public void close() {
        }
    }

    private static List<Integer> writeAndStep(int writes, int perReap, List<Integer> perStep) throws Exception {
        TricklingPort port = new TricklingPort(perReap);
        OpTable ops = new OpTable(64);
        DeviceQueue queue = new DeviceQueue(port, ops, new EngineCounters(), false);
        List<Integer> handled = new ArrayList<>();
        queue.connect((kind, target, aux, fileIndex, result) -> handled.add(aux));
        MemorySegment buffer = MemorySegment.ofArray(new byte[4096]);
        for (int i = 0; i < writes; i++) {
            ops.create(OpTable.DATA_WRITE, OpTable.WRITE_OP, null, i, IoPort.DATA_FILE, i * 4096L, buffer, 0);
        }
        while (handled.size() < writes) {
            perStep.add(queue.submitAndReap(1));
        }
        assertEquals(0, queue.opsInFlight());
        return handled;
    }

    @Test
    void aStepHandlesTheCompletionsThatArriveAfterItsWaitReturned() throws Exception {
        List<Integer> perStep = new ArrayList<>();
        List<Integer> handled = writeAndStep(8, 3, perStep);
        assertEquals(List.of(8), perStep, "the wait returned with 3 of the batch; the step reaped the other 5");
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), handled);
    }

    @Test
    void theExtraReapsAreBounded() throws Exception {
        List<Integer> perStep = new ArrayList<>();
        writeAndStep(8, 1, perStep);
        assertEquals(List.of(1 + DeviceQueue.STRAGGLER_REAPS, 8 - 1 - DeviceQueue.STRAGGLER_REAPS), perStep,
            "a trickle that never dries up does not keep the step from going on");
    }
}
