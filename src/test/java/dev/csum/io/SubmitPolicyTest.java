package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which prepared operations {@link UringIoPort} submits at once, and which wait for the loop step's submit. */
class SubmitPolicyTest {
    @Test
    void theDefaultsSendFsyncsAndLargeReadsAtOnceAndLetWritesAndSmallReadsWait() {
        SubmitPolicy policy = new SubmitPolicy(true, 0, 64 << 10, 4, 16);
        assertTrue(policy.submitAtOnce(0, 0, 1), "an fsync or a punch");
        assertTrue(policy.submitAtOnce(0, 128 << 10, 1), "a 128 KiB read");
        assertTrue(policy.submitAtOnce(0, 64 << 10, 1), "a read of exactly the threshold");
        assertFalse(policy.submitAtOnce(0, 4096, 1), "a 4 KiB read waits for the step");
        assertFalse(policy.submitAtOnce(4096, 0, 1), "writes wait");
        assertFalse(policy.submitAtOnce(1 << 20, 0, 15), "large writes too");
    }

    @Test
    void batchedSendsNothingAtOnceAndTheThresholdsAreKnobs() {
        SubmitPolicy batched = new SubmitPolicy(false, Long.MAX_VALUE, 0, 4, 16);
        assertFalse(batched.submitAtOnce(0, 0, 1));
        assertFalse(batched.submitAtOnce(0, 1 << 20, 1));
        assertFalse(batched.submitAtOnce(4096, 0, 64));
        SubmitPolicy oldEager = new SubmitPolicy(true, 64 << 10, 0, Integer.MAX_VALUE, Integer.MAX_VALUE); // before the tuple log and issue 14
        assertTrue(oldEager.submitAtOnce(0, 4096, 1));
        assertTrue(oldEager.submitAtOnce(4096, 0, 1));
        assertFalse(oldEager.submitAtOnce(128 << 10, 0, 1));
    }

    @Test
    void operationsWaitingForTheStepGoInChunksSmallerForReadsThanForWrites() {
        SubmitPolicy policy = new SubmitPolicy(true, 0, 64 << 10, 4, 16);
        for (int queued = 1; queued < 4; queued++) {
            assertFalse(policy.submitAtOnce(0, 4096, queued), queued + " small reads queued wait");
        }
        assertTrue(policy.submitAtOnce(0, 4096, 4), "the fourth small read sends the chunk");
        for (int queued = 1; queued < 16; queued++) {
            assertFalse(policy.submitAtOnce(4096, 0, queued), queued + " writes queued wait");
        }
        assertTrue(policy.submitAtOnce(4096, 0, 16), "the sixteenth write sends the chunk");
        assertTrue(policy.submitAtOnce(4096, 0, 17), "past a chunk (a link chain held it back) too");
        assertThrows(IllegalArgumentException.class, () -> new SubmitPolicy(true, 0, 0, 0, 16));
        assertThrows(IllegalArgumentException.class, () -> new SubmitPolicy(true, 0, 0, 4, 0));
    }
}
