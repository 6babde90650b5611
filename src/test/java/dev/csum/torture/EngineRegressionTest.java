package dev.csum.torture;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.csum.format.PortFormatter;
import dev.csum.Volume;
import dev.csum.VolumeOptions;
import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.format.MetadataPlacement;
import dev.csum.io.FaultKind;
import dev.csum.io.IoPort;
import dev.csum.io.SimulatedDisk;
import dev.csum.internal.VolumeInternals;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Engine bugs the torture run found, each pinned by the smallest scenario that showed it. */
class EngineRegressionTest {

    /**
     * Closing a volume whose device fails every write (a device that went away) must end with an
     * IOException, not retry the settle commit forever.
     */
    @Test
    void closeOnADeviceThatFailsEveryWriteReturnsWithAnError() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(3).dataFileBytes(1 << 20).build();
        PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED, new UUID(1, 2));
        TorturePort port = new TorturePort(disk, (write, file, offset, data, onMedia) -> { });
        Volume volume = VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("dead")), true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(512 * 4, 512);
            boolean[] done = {false};
            volume.write(0, data.byteSize(), data, null, (token, failure) -> done[0] = true, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            // The group now has an unsettled commit; the device dies before close settles it.
            disk.crash();
            port.cut();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class, volume::close));
        }
    }

    /**
     * A read of a group whose imd pair is not cached, whose data read fails before the pair arrives
     * and whose pair read then fails too: the piece was finished (and recycled) on the data error
     * while still listed as waiting for the pair, and the pair's failure then hit a recycled piece
     * (NullPointerException in the event loop). Every completion order must end in an IOException.
     */
    @Test
    void dataReadErrorWhileTheImdPairLoadsIsReportedOnce() throws IOException {
        int dataFirst = 0;
        for (long seed = 1; seed <= 16; seed++) {
            Formatted formatted = Formatted.of(seed);
            SimulatedDisk disk = formatted.disk;
            var geometry = formatted.geometry;
            long dataSector = geometry.dataOffsetBytes(70) / 512;
            long imdSector = geometry.imdPairOffsetBytes(geometry.groupOf(70)) / 512;
            disk.injectLatentSectorError(IoPort.DATA_FILE, dataSector);
            disk.injectLatentSectorError(IoPort.METADATA_FILE, imdSector);
            Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("lse")), true);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment into = arena.allocate(512, 512);
                IOException[] outcome = {null};
                int[] completions = {0};
                volume.read(70 * 512L, 512, into, null, (token, failure) -> {
                    completions[0]++;
                    outcome[0] = failure;
                }, 0);
                VolumeInternals.runUntilIdle(volume, 1_000_000);
                org.junit.jupiter.api.Assertions.assertEquals(1, completions[0], "seed " + seed);
                org.junit.jupiter.api.Assertions.assertNotNull(outcome[0], "seed " + seed);
                if (outcome[0].getMessage().startsWith("read ")) {
                    dataFirst++;
                }
            }
            disk.clearFaults();
            volume.close();
        }
        org.junit.jupiter.api.Assertions.assertTrue(dataFirst > 0, "some seed completed the data read first");
    }

    /**
     * A lost data write (the device reports success, stores nothing) must be detected by the next
     * read: the block's current tuple describes the new data. The engine accepted the state before
     * the group's last commit for every read until the group's next commit, so the old data read
     * back silently; now only reads that were issued before that commit completed may match it.
     */
    @Test
    void lostDataWriteIsDetectedByTheNextRead() throws IOException {
        Formatted formatted = Formatted.of(5);
        SimulatedDisk disk = formatted.disk;
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("lost")), true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment first = arena.allocate(512, 512).fill((byte) 1);
            MemorySegment second = arena.allocate(512, 512).fill((byte) 2);
            IOException[] outcome = {null};
            volume.write(3 * 512L, 512, first, null, (token, failure) -> outcome[0] = failure, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
            disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, formatted.geometry.dataOffsetBytes(3) / 512);
            volume.write(3 * 512L, 512, second, null, (token, failure) -> outcome[0] = failure, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            org.junit.jupiter.api.Assertions.assertNull(outcome[0], "the device reported success");
            MemorySegment back = arena.allocate(512, 512);
            volume.read(3 * 512L, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            org.junit.jupiter.api.Assertions.assertInstanceOf(dev.csum.IntegrityException.class, outcome[0],
                "the old data must not be returned for the new write");
            org.junit.jupiter.api.Assertions.assertEquals(0, back.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0));
        }
        volume.close();
    }

    /**
     * Commits alternate between the two imd slots one generation apart, so a crash leaves the copies
     * at most one generation apart. A wider gap means an imd write was lost: the older copy is stale,
     * and the crash rules (accept either copy; a block the older copy calls unwritten reads as zeros)
     * must not apply to it. Here the older slot lost its imd write, the data of block 5 is then
     * damaged, and the volume is reopened: reading block 5 returned zeros instead of an error.
     */
    @Test
    void staleImdCopyFromALostImdWriteIsNotTrustedAfterReopen() throws IOException {
        Formatted formatted = Formatted.of(7);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("stale")), true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(512, 512).fill((byte) 7);
            IOException[] outcome = {null};
            volume.write(5 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);   // gen 1, copy 1
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(0) / 512);
            volume.write(6 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);   // gen 2, lost
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            volume.write(7 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);   // gen 3, copy 1
            VolumeInternals.runUntilIdle(volume, 1_000_000);
            org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
        }
        disk.writeRaw(IoPort.DATA_FILE, geometry.dataOffsetBytes(5), new byte[] {1, 2, 3, 4});
        disk.makeCacheDurable();
        disk.crash(); // no settle: the pair stays as it is on the media
        SimulatedDisk again = disk.reopen();
        Volume reopened = VolumeInternals.openOnPort(again, VolumeOptions.of(Path.of("stale")), true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment back = arena.allocate(512, 512);
            IOException[] outcome = {null};
            reopened.read(5 * 512L, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
            VolumeInternals.runUntilIdle(reopened, 1_000_000);
            org.junit.jupiter.api.Assertions.assertInstanceOf(dev.csum.IntegrityException.class, outcome[0],
                "damaged data of a written block must not read as never written");
            reopened.read(7 * 512L, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
            VolumeInternals.runUntilIdle(reopened, 1_000_000);
            org.junit.jupiter.api.Assertions.assertNull(outcome[0], "intact blocks still read");
        }
        reopened.close();
    }

    /**
     * A read that needs an imd cache slot while every cached group is unsettled and the device fails
     * every write: the engine asked the victim to settle, the settle failed, and it asked again,
     * forever, so the read never completed. A failed settle must leave the group evictable (its pair
     * on the media is as a crash would leave it, which opening handles).
     */
    @Test
    void readNeedingAnEvictionCompletesWhenSettlesFail() throws IOException {
        Formatted formatted = Formatted.of(9);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        TorturePort port = new TorturePort(disk, (write, file, offset, data, onMedia) -> { });
        Volume volume = VolumeInternals.openOnPort(port, VolumeOptions.of(Path.of("evict")).withImdCacheBytes(4096), true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment data = arena.allocate(512, 512).fill((byte) 3);
            for (long group = 0; group < 4; group++) {
                volume.write(geometry.firstBlockOfGroup(group) * 512, 512, data, null, (token, failure) -> { }, 0);
            }
            org.junit.jupiter.api.Assertions.assertTrue(VolumeInternals.runUntilIdle(volume, 1_000_000));
            disk.crash();
            port.cut();
            IOException[] outcome = {null};
            boolean[] done = {false};
            volume.read(geometry.firstBlockOfGroup(5) * 512, 512, data, null, (token, failure) -> {
                done[0] = true;
                outcome[0] = failure;
            }, 0);
            org.junit.jupiter.api.Assertions.assertTrue(VolumeInternals.runUntilIdle(volume, 200_000), "the engine became idle");
            org.junit.jupiter.api.Assertions.assertTrue(done[0]);
            org.junit.jupiter.api.Assertions.assertNotNull(outcome[0]);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(IOException.class, volume::close));
    }

    /**
     * After a crash a group whose copies differ is dual, and a block the older copy calls unwritten
     * whose data matches nothing was taken to be a first write that never landed: it read as zeros,
     * and the resolution before the next commit made it "never written" for good. A read fault (bit
     * rot) on a block whose first write did land then turned intact data into zeros, silently. Only
     * an all-zero block (what a never-written block holds on a fresh device) may be taken as
     * unwritten; anything else is a mismatch, and resolution keeps the newer tuple.
     */
    @Test
    void readFaultInADualGroupIsAnErrorNotZeros() throws IOException {
        Formatted formatted = Formatted.of(11);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("dual")), true);
        MemorySegment data = Arena.ofAuto().allocate(512, 512).fill((byte) 0x5A);
        IOException[] outcome = {null};
        volume.write(5 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);   // gen 1: block 5
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        volume.write(0, 512, data, null, (token, failure) -> outcome[0] = failure, 0);          // gen 2: block 0
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        disk.makeCacheDurable();
        disk.crash(); // copy 0 (gen 2) knows block 0, copy 1 (gen 1) calls it unwritten: dual after reopen
        SimulatedDisk again = disk.reopen();
        long sector = geometry.dataOffsetBytes(0) / 512;
        again.injectReadBitRot(IoPort.DATA_FILE, sector, 100);
        Volume reopened = VolumeInternals.openOnPort(again, VolumeOptions.of(Path.of("dual")), true);
        MemorySegment back = Arena.ofAuto().allocate(512, 512);
        reopened.read(0, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(reopened, 1_000_000);
        org.junit.jupiter.api.Assertions.assertInstanceOf(dev.csum.IntegrityException.class, outcome[0],
            "a rotten read of a written block is an error, not zeros");
        // A write to the group resolves it while the rot is still there; then the rot heals.
        reopened.write(9 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(reopened, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
        again.clearFaults();
        reopened.read(0, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(reopened, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0], "resolution kept block 0's tuple");
        org.junit.jupiter.api.Assertions.assertEquals(-1, back.mismatch(data), "block 0 reads its data");
        reopened.close();
    }

    /**
     * Resolution after a crash decides, from one read, that a block whose data is all zeros and whose
     * older tuple says "never written" was a first write that never landed, and carries that into the
     * next commit for good. A misdirected read returning an all-zero block from elsewhere made a
     * block whose first write did land read as zeros forever. The decision is now confirmed by a
     * second read.
     */
    @Test
    void misdirectedResolveReadDoesNotMakeAWrittenBlockNeverWritten() throws IOException {
        Formatted formatted = Formatted.of(13);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("resolve")), true);
        MemorySegment data = Arena.ofAuto().allocate(512, 512).fill((byte) 0x3C);
        IOException[] outcome = {null};
        volume.write(5 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);   // gen 1: block 5
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        volume.write(20 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0);  // gen 2: block 20
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        disk.makeCacheDurable();
        disk.crash();
        SimulatedDisk again = disk.reopen();
        again.armMisdirectedRead(IoPort.DATA_FILE, geometry.dataOffsetBytes(20) / 512, geometry.dataOffsetBytes(40));
        Volume reopened = VolumeInternals.openOnPort(again, VolumeOptions.of(Path.of("resolve")), true);
        reopened.write(9 * 512L, 512, data, null, (token, failure) -> outcome[0] = failure, 0); // resolves group 0
        VolumeInternals.runUntilIdle(reopened, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
        MemorySegment back = Arena.ofAuto().allocate(512, 512);
        reopened.read(20 * 512L, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(reopened, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
        org.junit.jupiter.api.Assertions.assertEquals(-1, back.mismatch(data), "block 20 keeps its data");
        org.junit.jupiter.api.Assertions.assertEquals(1, again.stats().faults(FaultKind.MISDIRECTED_READ));
        reopened.close();
    }

    /**
     * Two crashes in a row. After the first, block 20's newer tuple describes a write (B) whose data
     * never landed; resolution keeps the older tuple (A) in memory, and the next commit, which also
     * carries a new write (C) to block 20, overwrote the older slot: the only on-disk copy of A's
     * tuple. When C's data did not land before the second crash either, the copies held B and C and
     * the intact data A read as an integrity error. Resolution now commits alone first.
     */
    @Test
    void secondCrashAfterResolutionKeepsOldDataReadable() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(17).dataFileBytes(1 << 20)
            .faultPlan(dev.csum.io.FaultPlan.none().withCrash(1.0, 0.0)).build();
        var superblock = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(17, 2));
        long sector = superblock.geometry().dataOffsetBytes(20) / 512;
        MemorySegment a = Arena.ofAuto().allocate(512, 512).fill((byte) 0xA);
        MemorySegment b = Arena.ofAuto().allocate(512, 512).fill((byte) 0xB);
        MemorySegment c = Arena.ofAuto().allocate(512, 512).fill((byte) 0xC);
        IOException[] outcome = {null};
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("twice")), true);
        volume.write(20 * 512L, 512, a, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        // B: its imd write lands, its data write does not (as if in flight at the crash).
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, sector);
        volume.write(20 * 512L, 512, b, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        disk.crash();
        SimulatedDisk second = disk.reopen();
        Volume reopened = VolumeInternals.openOnPort(second, VolumeOptions.of(Path.of("twice")), true);
        // C: the first write after the crash, to the same block; again only its imd write lands.
        second.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, sector);
        reopened.write(20 * 512L, 512, c, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(reopened, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
        second.crash();
        SimulatedDisk third = second.reopen();
        Volume last = VolumeInternals.openOnPort(third, VolumeOptions.of(Path.of("twice")), true);
        MemorySegment back = Arena.ofAuto().allocate(512, 512);
        last.read(20 * 512L, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(last, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0], "A's data is intact on the media");
        org.junit.jupiter.api.Assertions.assertEquals(-1, back.mismatch(a));
        last.close();
    }

    /**
     * A read of an imd pair misdirected onto never-written metadata returns two all-zero copies, which
     * is what a never-written group holds. The engine took the group for never written: its written
     * blocks read as zeros, and the next commit wrote empty tuples over the real pair, losing every
     * checksum of the group for good (torture seeds 238, 346, 654). A pair that is not two valid
     * copies is now read a second time before it is used.
     */
    @Test
    void imdPairReadMisdirectedOntoZerosDoesNotForgetTheGroup() throws IOException {
        Formatted formatted = Formatted.of(19);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        MemorySegment five = filledBlock(5);
        MemorySegment six = filledBlock(6);
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("zeros")), true);
        assertWrites(volume, 5, five);
        volume.close();

        SimulatedDisk again = disk.reopen();
        long neverWrittenPair = geometry.imdPairOffsetBytes(geometry.groupCount() - 1);
        Volume reopened = VolumeInternals.openOnPort(again, VolumeOptions.of(Path.of("zeros")), true);
        again.armMisdirectedRead(IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(0) / 512, neverWrittenPair);
        assertReads(reopened, 5, five);
        org.junit.jupiter.api.Assertions.assertEquals(1, again.stats().faults(FaultKind.MISDIRECTED_READ));
        org.junit.jupiter.api.Assertions.assertEquals(1, reopened.stats().imdConfirmReads(), "the pair was read again");
        assertWrites(reopened, 6, six);
        reopened.close();

        Volume last = VolumeInternals.openOnPort(again.reopen(), VolumeOptions.of(Path.of("zeros")), true);
        assertReads(last, 5, five);
        assertReads(last, 6, six);
        last.close();
    }

    /**
     * Commits alternate slots, so copy {@code i} always holds a generation of parity {@code i}. A pair
     * read misdirected by one block returns a genuine copy of the group in the wrong slot: here the
     * older copy (without block 68's tuple) as copy 1, next to a data block. Trusted, block 68 (written
     * by the newer copy's commit) read as never written: zeros. A copy in the wrong slot is now
     * rejected, and the pair is read again.
     */
    @Test
    void imdCopyReadFromTheWrongSlotIsNotTrusted() throws IOException {
        // Group 1: block 67 at generation 1 in copy 1, block 68 at generation 2 in copy 0.
        CrashedBeforeSettle crashed = CrashedBeforeSettle.of(23, 67, 68);
        long pair = crashed.geometry.imdPairOffsetBytes(1);
        crashed.disk.armMisdirectedRead(IoPort.METADATA_FILE, pair / 512, pair + 512);
        assertReads(crashed.volume, 68, crashed.data);
        org.junit.jupiter.api.Assertions.assertEquals(1, crashed.disk.stats().faults(FaultKind.MISDIRECTED_READ));
        crashed.volume.close();
    }

    /**
     * After a crash a group's copies may differ: the newer copy says block 5 is written, the older
     * that it never was. Its data read was misdirected onto never-written data (zeros), which the
     * older copy's "never written" accepts, so the block read as zeros without the re-read a
     * mismatch gets (torture seeds 1974, 5091, 9899 of 10,000). Zeros that only the older copy
     * accepts are now confirmed by the re-read.
     */
    @Test
    void zerosAcceptedOnlyByTheOlderCopyAfterACrashAreReadAgain() throws IOException {
        // Block 5 at generation 1 in copy 1; copy 0 stays all zero.
        CrashedBeforeSettle crashed = CrashedBeforeSettle.of(29, 5);
        var geometry = crashed.geometry;
        crashed.disk.armMisdirectedRead(IoPort.DATA_FILE, geometry.dataOffsetBytes(5) / 512, geometry.dataOffsetBytes(900));
        assertReads(crashed.volume, 5, crashed.data);
        org.junit.jupiter.api.Assertions.assertEquals(1, crashed.disk.stats().faults(FaultKind.MISDIRECTED_READ));
        crashed.volume.close();
    }

    /**
     * A fresh 512-byte volume whose {@code blocks} were written (one commit each, bytes 7), then a
     * crash before any settle with the completed writes kept (the group's copies differ), reopened.
     */
    private record CrashedBeforeSettle(dev.csum.format.Geometry geometry, SimulatedDisk disk, Volume volume,
                                       MemorySegment data) {
        static CrashedBeforeSettle of(long seed, long... blocks) throws IOException {
            Formatted formatted = Formatted.of(seed);
            SimulatedDisk disk = formatted.disk;
            var geometry = formatted.geometry;
            MemorySegment data = filledBlock(7);
            Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("crashed")), true);
            for (long block : blocks) {
                assertWrites(volume, block, data);
            }
            disk.makeCacheDurable();
            disk.crash();
            SimulatedDisk again = disk.reopen();
            return new CrashedBeforeSettle(geometry, again, VolumeInternals.openOnPort(again, VolumeOptions.of(Path.of("crashed")), true), data);
        }
    }

    /**
     * Within one session the engine settles a group before evicting it, so a reloaded pair whose
     * copies differ cannot be a crash state: an imd write was dropped. Here block 5's second data
     * write and then the settle's imd write are both lost; on reload the copies differed by one
     * generation, were taken for a crash state, and resolution carried the first write's tuple
     * forward: the old data read back silently (torture seed 898). Only a group's first load in a
     * session may now be a crash state; the second write's loss is detected. (Eviction now parks a
     * dirty group instead of settling it, GroupParking: the settle whose write is lost is a round the
     * log's fill starts, driven by writes to another block of the group.)
     */
    @Test
    void aPairThatDiffersOnReloadInTheSameSessionIsNotACrashState() throws IOException {
        Formatted formatted = Formatted.of(31);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        MemorySegment first = filledBlock(1);
        MemorySegment second = filledBlock(2);
        // Four cache slots (two 512-byte blocks each): reading other groups settles and evicts group 0.
        Volume volume = VolumeInternals.openOnPort(disk, VolumeOptions.of(Path.of("session")).withImdCacheBytes(4096), true);
        assertWrites(volume, 5, first);                 // generation 1 in copy 1
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, geometry.dataOffsetBytes(5) / 512);
        assertWrites(volume, 5, second);                // generation 2 in copy 0; the data is lost
        long pair = geometry.imdPairOffsetBytes(0);
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.METADATA_FILE, pair / 512 + 1); // the settle, into copy 1
        long rounds = disk.stats().faults(FaultKind.LOST_WRITE);
        for (int i = 0; i < geometry.logBlockCount() && disk.stats().faults(FaultKind.LOST_WRITE) == rounds; i++) {
            assertWrites(volume, 6, first); // fills the log until a round settles group 0
        }
        for (long group = 1; group <= 12; group++) { // evicts group 0
            readQuietly(volume, geometry.firstBlockOfGroup(group));
        }
        org.junit.jupiter.api.Assertions.assertEquals(2, disk.stats().faults(FaultKind.LOST_WRITE), "both losses happened");
        assertReadFails(volume, 5, "the first write's data must not be returned for the second");
        volume.close();
    }

    /**
     * Format version 2: a checkpoint writes both copies of a group, and the log forgets the entries
     * only once both are durable, so two valid copies that still differ after recovery are never a
     * crash state: one of the checkpoint's writes was lost, and the newer copy holds the last
     * checkpoint. Here block 5's second data write and the close's second imd copy are both lost; on
     * reopen the pair was taken for a crash state, either copy's tuple accepted, and block 5's first
     * data read back silently.
     */
    @Test
    void aPairWhoseCheckpointLostACopyIsNotACrashState() throws IOException {
        Formatted formatted = Formatted.of(37);
        SimulatedDisk disk = formatted.disk;
        var geometry = formatted.geometry;
        VolumeOptions options = VolumeOptions.of(Path.of("lost-copy"));
        Volume volume = VolumeInternals.openOnPort(disk, options, true);
        assertWrites(volume, 5, filledBlock(1));
        volume.close(); // both copies hold block 5's first tuple (generations 1 and 2); the log is empty
        disk = disk.reopen();
        volume = VolumeInternals.openOnPort(disk, options, true);
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.DATA_FILE, geometry.dataOffsetBytes(5) / 512);
        assertWrites(volume, 5, filledBlock(2)); // the data is lost
        // The close's checkpoint: generation 3 into copy 1, then generation 4 into copy 0, lost.
        disk.armNextWrite(FaultKind.LOST_WRITE, IoPort.METADATA_FILE, geometry.imdPairOffsetBytes(0) / 512);
        volume.close();
        org.junit.jupiter.api.Assertions.assertEquals(2, disk.stats().faults(FaultKind.LOST_WRITE), "both losses happened");
        Volume reopened = VolumeInternals.openOnPort(disk.reopen(), options, true);
        assertReadFails(reopened, 5, "the first write's data must not be returned for the second");
        reopened.close();
    }

    /**
     * Recovery's scan of the log region read misdirected (the device returned another place's
     * bytes) found no record, so the session restarted its sequences at 1 over a region that still
     * held the older session's records, up to its clean-close record. After the next power loss that
     * old record was the head: recovery replayed nothing and the new session's flushed write was
     * lost to its older checkpointed tuple (torture seed 498). A scan read showing no valid record
     * is now read again, and a record is valid only where it was written (its offset field).
     */
    @Test
    void aMisdirectedScanOfTheLogDoesNotRestartItsSequences() throws IOException {
        SimulatedDisk disk = SimulatedDisk.builder(23).dataFileBytes(1 << 20)
            .faultPlan(dev.csum.io.FaultPlan.none().withCrash(1.0, 0.0)).build();
        var geometry = PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C, MetadataPlacement.INTERLEAVED,
            new UUID(23, 2)).geometry();
        VolumeOptions options = VolumeOptions.of(Path.of("misread-scan"));
        Volume volume = VolumeInternals.openOnPort(disk, options, true);
        for (int round = 1; round <= 12; round++) { // a dozen records: the close's record lies well into the region
            assertWrites(volume, 5, filledBlock(round));
            flush(volume);
        }
        volume.close();
        disk = disk.reopen();
        disk.armMisdirectedRead(IoPort.METADATA_FILE, geometry.logOffsetBytes() / 512, geometry.dataOffsetBytes(40));
        volume = VolumeInternals.openOnPort(disk, options, true);
        org.junit.jupiter.api.Assertions.assertEquals(1, disk.stats().faults(FaultKind.MISDIRECTED_READ),
            "the scan's read was misdirected");
        assertWrites(volume, 5, filledBlock(0x55));
        flush(volume);
        disk.crash();
        Volume reopened = VolumeInternals.openOnPort(disk.reopen(), options, true);
        assertReads(reopened, 5, filledBlock(0x55));
        reopened.close();
    }

    private static void flush(Volume volume) throws IOException {
        IOException[] outcome = {null};
        volume.flush((token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
    }

    /** A 1 MiB simulated disk formatted with 512-byte blocks, interleaved, crc32c. */
    private record Formatted(SimulatedDisk disk, dev.csum.format.Geometry geometry) {
        static Formatted of(long seed) throws IOException {
            SimulatedDisk disk = SimulatedDisk.builder(seed).dataFileBytes(1 << 20).build();
            return new Formatted(disk, PortFormatter.format(disk, 512, ChecksumAlgorithm.CRC32C,
                MetadataPlacement.INTERLEAVED, new UUID(seed, 2)).geometry());
        }
    }

    private static MemorySegment filledBlock(int value) {
        return Arena.ofAuto().allocate(512, 512).fill((byte) value);
    }

    private static void readQuietly(Volume volume, long block) throws IOException {
        MemorySegment into = Arena.ofAuto().allocate(512, 512);
        volume.read(block * 512, 512, into, null, (token, failure) -> { }, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
    }

    private static void assertWrites(Volume volume, long block, MemorySegment data) throws IOException {
        IOException[] outcome = {null};
        volume.write(block * 512, 512, data, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0]);
    }

    private static void assertReadFails(Volume volume, long block, String message) throws IOException {
        IOException[] outcome = {null};
        MemorySegment back = Arena.ofAuto().allocate(512, 512);
        volume.read(block * 512, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        org.junit.jupiter.api.Assertions.assertInstanceOf(dev.csum.IntegrityException.class, outcome[0], message);
    }

    private static void assertReads(Volume volume, long block, MemorySegment expected) throws IOException {
        IOException[] outcome = {null};
        MemorySegment back = Arena.ofAuto().allocate(512, 512);
        volume.read(block * 512, 512, back, null, (token, failure) -> outcome[0] = failure, 0);
        VolumeInternals.runUntilIdle(volume, 1_000_000);
        org.junit.jupiter.api.Assertions.assertNull(outcome[0], "block " + block);
        org.junit.jupiter.api.Assertions.assertEquals(-1, back.mismatch(expected), "block " + block + " read back");
    }
}
