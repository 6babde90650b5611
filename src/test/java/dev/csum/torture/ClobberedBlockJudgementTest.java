package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The checker's judgement of zeros a misdirected punch left over a block (RELIABILITY.md §3, the
 * checker's fourth correction, torture seed 3686): to recovery they are the block's data missing,
 * exactly as a dropped write's, so a power loss judges them as one — by the record of the block's
 * last tuple — and before a power loss a stale read of them stays a bug.
 */
class ClobberedBlockJudgementTest {
    /** Recovery sees a write as lost when its record is at or below the durable watermark (here 10). */
    private static final CrashLedger.CrashView WATERMARK_10 = new CrashLedger.CrashView() {
        @Override
        public boolean tupleSurvived(long sequence) {
            return sequence >= 0;
        }

        @Override
        public boolean lostWriteSeen(long sequence) {
            return sequence >= 0 && sequence <= 10;
        }
    };

    @Test
    void zerosOverABlockWhoseLastWriteIsAboveTheWatermarkAreTheDocumentedStaleRead() {
        ReferenceModel model = new ReferenceModel(1, false, true);
        model.writeIssued(0, 1, 7);
        model.writeCompleted(0, 1, 7, true);
        model.dataClobbered(0, 15); // its tuple is logged in record 15, above what recovery can call lost
        assertFalse(model.staleExcusable(0), "before a power loss the engine knows the tuple: zeros are an error");
        model.crash(WATERMARK_10);
        assertTrue(model.staleExcusable(0), "recovery cannot tell them from a write in flight whose data never landed");
    }

    @Test
    void zerosOverABlockWhoseLastWriteRecoverySeesAsLostMustReadAsAnError() {
        ReferenceModel model = new ReferenceModel(1, false, true);
        model.writeIssued(0, 1, 7);
        model.writeCompleted(0, 1, 7, true);
        model.dataClobbered(0, 9);
        model.crash(WATERMARK_10);
        assertFalse(model.staleExcusable(0));
    }
}
