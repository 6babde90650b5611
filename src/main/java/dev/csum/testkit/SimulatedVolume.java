package dev.csum.testkit;

import dev.csum.MetadataPlacement;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeOptions;
import dev.csum.format.PortFormatter;
import dev.csum.internal.VolumeInternals;
import dev.csum.io.PowerCutPort;
import dev.csum.io.SimulatedDisk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * A {@link Volume} on a deterministic simulated disk, driven step by step on the caller's thread:
 * nothing happens between calls, so a test controls exactly which operations are in flight when it
 * crashes the disk. Made by {@link SimulatedVolumes#create}.
 *
 * <p>The volume is driven by hand: start requests with the future or callback forms (the blocking
 * forms are refused), then {@link #runUntilIdle(int)} to let the disk and the engine make progress.
 * {@link #crash()} is a power loss; {@link #shutdown()} a clean close; {@link #reopen()} opens the
 * volume again on what the media then holds.
 *
 * <p>Threading: one thread at a time (the test's).
 */
public final class SimulatedVolume implements AutoCloseable {
    /** A bound for {@link #runUntilIdle()}: far more steps than any request needs. */
    private static final int IDLE_STEPS_MAX = 10_000_000;

    private final SimulationOptions options;
    private final VolumeOptions volumeOptions;
    private final VolumeInfo info;
    /** The port over the media the current (or next) volume uses. */
    private SimulatedDisk disk;
    private PowerCutPort port;
    /** The open volume; null after a crash or shutdown, until {@link #reopen()}. */
    private Volume volume;

    SimulatedVolume(SimulationOptions options) throws IOException {
        this.options = options;
        this.volumeOptions = VolumeOptions.of(Path.of("simulated-" + options.seed()))
            .withImdCacheBytes(options.imdCacheBytes()).withBufferArenaBytes(options.bufferArenaBytes())
            .withDurability(options.durability());
        SimulatedDisk.Builder builder = SimulatedDisk.builder(options.seed()).dataFileBytes(options.dataDeviceBytes())
            .queueDepth(options.queueDepth()).faultPlan(FaultMapping.plan(options.faults()));
        if (options.metadataPlacement() == MetadataPlacement.SEPARATE) {
            builder.metadataFileBytes(PortFormatter.separateMetadataFileBytes(options.dataDeviceBytes(),
                options.blockSizeBytes()));
        }
        disk = builder.build();
        disk.faultsEnabled(false); // formatting and the first open are set-up, not under test
        info = VolumeInternals.formatOnPort(disk, options.blockSizeBytes(), options.checksum(),
            options.metadataPlacement(), new UUID(options.seed(), ~options.seed()));
        reopen();
        disk.faultsEnabled(true);
    }

    /**
     * The open volume (a new one after each {@link #reopen()}).
     *
     * @return the volume, driven by {@link #runUntilIdle(int)}: its blocking forms are refused
     * @throws IllegalStateException after a crash or shutdown, until {@link #reopen()}
     */
    public Volume volume() {
        if (volume == null) {
            throw new IllegalStateException("the simulated volume is down (crashed or shut down): reopen() it");
        }
        return volume;
    }

    /**
     * The volume's identity and geometry (the same across crashes and reopens).
     *
     * @return what the volume was formatted with
     */
    public VolumeInfo info() {
        return info;
    }

    /**
     * The options this volume was made with.
     *
     * @return the options given to {@link SimulatedVolumes#create}
     */
    public SimulationOptions options() {
        return options;
    }

    /**
     * Runs the engine and the disk on the calling thread until every accepted request completed (its
     * callback ran), for at most {@code maxSteps} steps. Small values interleave a test's requests
     * with partial progress.
     *
     * @param maxSteps the most steps to run; a step hands the engine the requests started since
     *     the last one, and lets the disk complete operations and the engine react to them
     * @return true when the volume is idle: every accepted request completed
     * @throws IllegalStateException after a crash or shutdown, until {@link #reopen()}
     * @throws IOException when the engine fails outright (injected faults fail requests, not this)
     */
    public boolean runUntilIdle(int maxSteps) throws IOException {
        return VolumeInternals.runUntilIdle(volume(), maxSteps);
    }

    /**
     * Runs until every accepted request completed.
     *
     * @throws IllegalStateException when the engine does not become idle (a bug: it always should),
     *     or after a crash or shutdown, until {@link #reopen()}
     * @throws IOException when the engine fails outright (injected faults fail requests, not this)
     */
    public void runUntilIdle() throws IOException {
        if (!runUntilIdle(IDLE_STEPS_MAX)) {
            throw new IllegalStateException("the engine did not become idle in " + IDLE_STEPS_MAX + " steps");
        }
    }

    /**
     * A power loss now, with whatever is in flight. Completed writes that were not flushed, and writes
     * the disk had started, reach the media or not (some torn) as the {@link Faults} crash model says;
     * flushed data always survives. The volume is abandoned: its requests still in flight complete
     * here, with an {@link IOException} (the device is gone), as it is torn down. The volume is down
     * until {@link #reopen()}.
     *
     * @throws IllegalStateException when the volume is down already (crashed or shut down)
     */
    public void crash() {
        Volume abandoned = volume();
        volume = null;
        disk.crash();
        port.cut();
        try {
            abandoned.close(); // on the cut port everything fails fast: this only frees the engine's memory
        } catch (IOException | RuntimeException expected) {
            // The abandoned volume's failures are the crash's.
        }
        disk = disk.reopen();
    }

    /**
     * Closes the volume cleanly (every accepted request completes, the metadata is settled, the disk
     * synced); it is down until {@link #reopen()}.
     *
     * @throws IllegalStateException when the volume is down already (crashed or shut down)
     * @throws IOException when closing the volume failed; it is down all the same
     */
    public void shutdown() throws IOException {
        Volume closing = volume();
        volume = null;
        try {
            closing.close();
        } finally {
            disk = disk.reopen();
        }
    }

    /**
     * Opens the volume again on what the media holds (after {@link #crash()} or {@link #shutdown()}),
     * recovering from the crash as a real open does.
     *
     * @return the new volume, also {@link #volume()} from now on
     * @throws IllegalStateException when the volume is open
     * @throws IOException when it cannot be opened (for example an injected fault damaged its superblock)
     */
    public Volume reopen() throws IOException {
        if (volume != null) {
            throw new IllegalStateException("the simulated volume is open: crash() or shutdown() it first");
        }
        port = new PowerCutPort(disk);
        volume = VolumeInternals.openOnPort(port, volumeOptions, true, FaultMapping.engineFault(options.harnessFault()));
        return volume;
    }

    /**
     * Turns the random faults of the {@link Faults} plan on or off (crashes are unaffected).
     *
     * @param enabled true to inject the plan's faults from now on, false to inject none
     */
    public void setFaultsEnabled(boolean enabled) {
        disk.faultsEnabled(enabled);
    }

    /**
     * How many times the disk injected {@code fault} since it was made (across crashes and reopens).
     *
     * @param fault the fault to count
     * @return the count: sectors for the {@linkplain Fault#isPerSector() per-sector} faults,
     *     operations for the others
     */
    public long faultsInjected(Fault fault) {
        return disk.stats().faults(FaultMapping.kind(fault));
    }

    /** Closes the volume cleanly if it is open; closing twice does nothing. */
    @Override
    public void close() throws IOException {
        if (volume != null) {
            shutdown();
        }
    }
}
