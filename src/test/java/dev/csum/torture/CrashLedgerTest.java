package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The two judgements of the crash ledger corrected on 2026-12-03 (RELIABILITY.md §3, "The checker:
 * two judgements corrected"), pinned on the ledger alone: each fails with the judgement it replaced.
 */
class CrashLedgerTest {
    /** Recovery "sees" a write as lost when its record is behind the log's tail (here: below 11). */
    private static boolean seenBelow11(long record) {
        return record >= 0 && record < 11;
    }

    @Test
    void aDropThatIntactDataLandedOverNoLongerJudgesTheBlock() {
        CrashLedger ledger = new CrashLedger(1);
        ledger.dropped(0, 10);        // write A's data dropped (record 10: recovery will see it as lost)
        ledger.landedDurably(0, 12);  // write B's data landed intact, on a device that keeps it
        ledger.dropped(0, 15);        // write C's data dropped, above what recovery can tell from in flight
        ledger.judgeDropped(CrashLedgerTest::seenBelow11);
        assertTrue(ledger.staleExcusable(0), "B's data read after C's drop is the documented stale read; A's drop "
            + "is under B's data and says nothing about it");
    }

    @Test
    void aDropStillJudgesTheBlockWhenNoNewerDataLanded() {
        CrashLedger ledger = new CrashLedger(1);
        ledger.dropped(0, 10);
        ledger.dropped(0, 15);
        ledger.judgeDropped(CrashLedgerTest::seenBelow11);
        assertFalse(ledger.staleExcusable(0), "recovery sees A's write as lost: the old data must read as an error");
    }

    @Test
    void anExcuseEndsWhenANewerWriteCompletesNotWhenItsDataIsDropped() {
        CrashLedger ledger = new CrashLedger(1);
        ledger.dropped(0, 15);
        ledger.judgeDropped(CrashLedgerTest::seenBelow11);
        assertTrue(ledger.staleExcusable(0));
        ledger.dropped(0, 20); // a newer write's data dropped while its request is still in flight
        assertTrue(ledger.staleExcusable(0), "a read racing that write may still return the excused old data");
        ledger.writeCompleted(0, true);
        assertFalse(ledger.staleExcusable(0), "once the newer write completed, its old data is wrong");
    }

    /** Torture seed 43 (found with a variant of parked-group reloads): the excuse must come back with a crash. */
    @Test
    void aPowerLossThatUndoesTheNewerWriteBringsTheExcuseBack() {
        CrashLedger ledger = new CrashLedger(1);
        ledger.dropped(0, 15);
        ledger.judgeDropped(CrashLedgerTest::seenBelow11);
        assertTrue(ledger.staleExcusable(0));
        ledger.writeCompleted(0, false); // a newer write completed, in the volatile cache only
        assertFalse(ledger.staleExcusable(0));
        ledger.crash(0, false, new LongSet(), new LongSet(), false, CrashLedger.CrashView.NOTHING);
        assertTrue(ledger.staleExcusable(0), "the power loss may have undone the newer write: the excused old data "
            + "is again what the block may read as");
    }

    /** Torture seed 8948 (a volatile cache): the media keeping a newer write's data ends the older drop's say. */
    @Test
    void aDropUnderDataTheCrashKeptNoLongerJudgesTheBlock() {
        CrashLedger ledger = new CrashLedger(1);
        ledger.dropped(0, 10);          // write A's data dropped (recovery will see it as lost)
        ledger.landed(0, 20, 12);       // write B (version 20, record 12): its data lands, in the cache only
        ledger.dropped(0, 15);          // write C's data dropped, above what recovery can tell from in flight
        ledger.mediaAtCrash(block -> 20); // the crash kept B's data
        ledger.judgeDropped(CrashLedgerTest::seenBelow11);
        assertTrue(ledger.staleExcusable(0), "B's data read after C's drop is the documented stale read");
    }

    @Test
    void aDropStillJudgesTheBlockWhenTheCrashLostTheNewerData() {
        CrashLedger ledger = new CrashLedger(1);
        ledger.dropped(0, 10);
        ledger.landed(0, 20, 12);
        ledger.dropped(0, 15);
        ledger.mediaAtCrash(block -> 5); // B's cached data lost: the media holds data older than A
        ledger.judgeDropped(CrashLedgerTest::seenBelow11);
        assertFalse(ledger.staleExcusable(0), "recovery sees A's write as lost: the old data must read as an error");
    }
}
