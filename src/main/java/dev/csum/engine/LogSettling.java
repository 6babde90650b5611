package dev.csum.engine;

import dev.csum.format.Superblock;
import dev.csum.format.VolumeResizer;
import dev.csum.io.IoPort;
import java.io.IOException;

/**
 * Leaves a volume's tuple log with nothing to replay, for an offline layout change that discards the
 * log region ({@link VolumeResizer}, docs/FORMAT.md §7.2): a writable {@link LogRecovery} replays what
 * the log holds into the imd pairs and makes its head an empty record whose tail is itself (a cleanly
 * closed volume is that already: nothing is written), then a read-only recovery must find nothing to
 * replay. Blocking; on a port no event loop uses.
 */
public final class LogSettling {
    private LogSettling() {
    }

    /**
     * Settles the log of the volume {@code superblock} describes, on {@code port}.
     *
     * @return the stored log sequence ceiling and the sequence the next record would get
     * @throws IOException when a device fails, or the log still holds something to replay afterwards
     */
    public static VolumeResizer.SettledLog settle(IoPort port, Superblock superblock) throws IOException {
        LogRecovery.recover(port, superblock, false);
        LogRecovery.Result check = LogRecovery.recover(port, superblock, true);
        if (check.replayedGroups() != 0 || !check.overlay().isEmpty()) {
            throw new IOException("the tuple log still names " + check.replayedGroups() + " groups to replay after recovery;"
                + " nothing changed by the resize");
        }
        return new VolumeResizer.SettledLog(check.start().sequenceCeiling(), check.start().nextSequence());
    }
}
