package dev.csum.internal;

import dev.csum.Checksum;
import dev.csum.MetadataPlacement;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeOptions;
import dev.csum.engine.EngineTestFault;
import dev.csum.io.IoPort;
import java.io.IOException;
import java.util.UUID;

/**
 * The one door into what {@link Volume} keeps package-private, for the code built on the API that
 * needs more than it offers: the test kit ({@code dev.csum.testkit}), the torture harness and the
 * engine's own tests. <b>Not API</b>: it takes internal types, and nothing in the public signatures of
 * {@code dev.csum}, {@code dev.csum.metrics} or {@code dev.csum.testkit} mentions it.
 *
 * <p>The pattern is the JDK's "shared secrets": {@code Volume} installs an {@link Access} when its class
 * is initialised, and this class hands it out.
 */
public final class VolumeInternals {

    /** What {@code Volume} offers through the door; implemented in {@code dev.csum}. */
    public interface Access {
        Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive, EngineTestFault testFault)
            throws IOException;

        boolean runUntilIdle(Volume volume, int maxSteps) throws IOException;

        VolumeInfo formatOnPort(IoPort port, int blockSizeBytes, Checksum checksum, MetadataPlacement placement,
                                UUID uuid) throws IOException;
    }

    private static volatile Access access;

    private VolumeInternals() {
    }

    /** Called once, by {@code Volume}'s static initialiser; anyone else is refused. */
    public static void install(Access volumeAccess) {
        Class<?> caller = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE).getCallerClass();
        if (caller != Volume.class || access != null) {
            throw new IllegalStateException("VolumeInternals.install is for Volume's initialiser, once");
        }
        access = volumeAccess;
    }

    private static Access access() {
        Access installed = access;
        if (installed == null) {
            try {
                Class.forName(Volume.class.getName(), true, Volume.class.getClassLoader());
            } catch (ClassNotFoundException impossible) {
                throw new AssertionError(impossible);
            }
            installed = access;
        }
        return installed;
    }

    /**
     * Opens the volume whose superblock is in block 0 of {@code port}'s data file, on that port (a
     * simulated disk, or a port wrapping a real one). With {@code manualDrive} no thread is started:
     * the caller drives the engine with {@link #runUntilIdle}, and the blocking forms are refused.
     * The volume takes no device lock; its name is {@code options.dataPath()}.
     */
    public static Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive) throws IOException {
        return access().openOnPort(port, options, manualDrive, EngineTestFault.NONE);
    }

    /**
     * As {@link #openOnPort(IoPort, VolumeOptions, boolean)}, with an ordering bug for the engine to
     * commit ({@link EngineTestFault}, the test kit's {@code HarnessFault}): the harness must bite.
     */
    public static Volume openOnPort(IoPort port, VolumeOptions options, boolean manualDrive, EngineTestFault testFault)
            throws IOException {
        return access().openOnPort(port, options, manualDrive, testFault);
    }

    /**
     * A manually driven volume only: runs its engine on the calling thread until all accepted work is
     * done, for at most {@code maxSteps} steps. Returns true when it is idle.
     */
    public static boolean runUntilIdle(Volume volume, int maxSteps) throws IOException {
        return access().runUntilIdle(volume, maxSteps);
    }

    /** Formats {@code port}'s files as a volume of as many data blocks as fit, synchronously. */
    public static VolumeInfo formatOnPort(IoPort port, int blockSizeBytes, Checksum checksum,
                                          MetadataPlacement placement, UUID uuid) throws IOException {
        return access().formatOnPort(port, blockSizeBytes, checksum, placement, uuid);
    }
}
