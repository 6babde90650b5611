package dev.csum.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which prepared operations {@link UringIoPort} submits at once, and which wait for the loop step's submit. */
class SubmitPolicyTest {
    @Test
    void theDefaultsSendFsyncsAndLargeReadsAtOnceAndLetWritesAndSmallReadsWait() {
        SubmitPolicy policy = new SubmitPolicy(true, 0, 64 << 10);
        assertTrue(policy.submitAtOnce(0, 0), "an fsync or a punch");
        assertTrue(policy.submitAtOnce(0, 128 << 10), "a 128 KiB read");
        assertTrue(policy.submitAtOnce(0, 64 << 10), "a read of exactly the threshold");
        assertFalse(policy.submitAtOnce(0, 4096), "a 4 KiB read waits for the step");
        assertFalse(policy.submitAtOnce(4096, 0), "writes wait");
        assertFalse(policy.submitAtOnce(1 << 20, 0), "large writes too");
    }

    @Test
    void batchedSendsNothingAtOnceAndTheThresholdsAreKnobs() {
        SubmitPolicy batched = new SubmitPolicy(false, Long.MAX_VALUE, 0);
        assertFalse(batched.submitAtOnce(0, 0));
        assertFalse(batched.submitAtOnce(0, 1 << 20));
        assertFalse(batched.submitAtOnce(4096, 0));
        SubmitPolicy oldEager = new SubmitPolicy(true, 64 << 10, 0); // before the tuple log and issue 14
        assertTrue(oldEager.submitAtOnce(0, 4096));
        assertTrue(oldEager.submitAtOnce(4096, 0));
        assertFalse(oldEager.submitAtOnce(128 << 10, 0));
    }
}
