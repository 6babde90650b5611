package dev.csum;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume lock holds against everything the holding process may do, and is recognised under
 * every name of the file. Two-process tests run {@link VolumeHolder} in a child JVM: the child holds
 * the volume and tries to drop its own lock; this JVM must still be refused.
 */
class VolumeLockTest {
    private static final int BLOCK = 4096;

    @TempDir
    Path directory;

    private Path formatted() throws IOException {
        Path data = directory.resolve("volume");
        Volume.format(FormatOptions.of(data).withSizeBytes(8L << 20).withBlockSizeBytes(BLOCK));
        return data;
    }

    // ------------------------------------------------------------------ two processes

    @Test
    void theHoldersOwnReadOfTheFileDoesNotDropTheLock() throws Exception {
        assertSecondProcessRefusedAfter("read-stream");
    }

    @Test
    void theHoldersOwnRefusedFormatDoesNotDropTheLock() throws Exception {
        Path data = formatted();
        try (Child child = Child.start(data, "format")) {
            assertTrue(child.outcome().startsWith("refused:"), child.outcome());
            assertRefusedHere(data);
        }
    }

    @Test
    void theHoldersOwnOpenThroughAHardLinkIsRefusedAsTheSameVolumeAndDropsNothing() throws Exception {
        Path data = formatted();
        Path link = Files.createLink(directory.resolve("hard-link"), data);
        try (Child child = Child.start(data, "open-link", "writable", link.toString())) {
            assertTrue(child.outcome().contains("already open as a csum volume in this process"), child.outcome());
            assertRefusedHere(data);
            assertRefusedHere(link);
        }
    }

    @Test
    void theHoldersOwnOpenThroughProcSelfFdIsRefusedAsTheSameVolume() throws Exception {
        Path data = formatted();
        try (Child child = Child.start(data, "open-proc-fd")) {
            assertTrue(child.outcome().contains("already open as a csum volume in this process"), child.outcome());
            assertRefusedHere(data);
        }
    }

    @Test
    void formatWithForceIsRefusedWhileAnotherProcessHasTheVolumeOpen() throws Exception {
        Path data = formatted();
        try (Child child = Child.start(data, "hold")) {
            byte[] before = Files.readAllBytes(data);
            IOException refused = assertThrows(IOException.class,
                () -> Volume.format(FormatOptions.of(data).withBlockSizeBytes(BLOCK).withOverwrite(true)));
            assertTrue(refused.getMessage().contains("in use by another process"), refused.getMessage());
            assertArrayEquals(before, Files.readAllBytes(data), "the refused format changed the device");
        }
    }

    @Test
    void readOnlySessionsShareAVolumeButNeverWithAWriter() throws Exception {
        Path data = formatted();
        try (Child reader = Child.start(data, "hold", "read-only")) {
            try (Volume second = Volume.open(VolumeOptions.of(data).withReadOnly(true))) {
                assertTrue(second.isReadOnly());
            }
            IOException refused = assertThrows(IOException.class, () -> Volume.open(VolumeOptions.of(data)));
            assertTrue(refused.getMessage().contains("in use by another process"), refused.getMessage());
        }
        try (Child writer = Child.start(data, "hold")) {
            IOException refused = assertThrows(IOException.class,
                () -> Volume.open(VolumeOptions.of(data).withReadOnly(true)));
            assertTrue(refused.getMessage().contains("in use by another process"), refused.getMessage());
        }
    }

    @Test
    void theLockGoesWithTheHoldingProcess() throws Exception {
        Path data = formatted();
        try (Child child = Child.start(data, "hold")) {
            assertRefusedHere(data);
        }
        Volume.open(VolumeOptions.of(data)).close();
    }

    @Test
    void theMetadataDeviceIsLockedToo() throws Exception {
        Path data = directory.resolve("data");
        Path metadata = directory.resolve("metadata");
        Volume.format(FormatOptions.of(data).withMetadataPath(metadata).withSizeBytes(8L << 20)
            .withBlockSizeBytes(BLOCK));
        try (Volume open = Volume.open(VolumeOptions.of(data).withMetadataPath(metadata))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Volume.format(FormatOptions.of(metadata).withSizeBytes(8L << 20).withBlockSizeBytes(BLOCK)
                    .withOverwrite(true)));
            assertTrue(refused.getMessage().contains("already open as a csum volume in this process"),
                refused.getMessage());
        }
    }

    private void assertSecondProcessRefusedAfter(String action) throws Exception {
        Path data = formatted();
        try (Child child = Child.start(data, action)) {
            assertRefusedHere(data);
        }
    }

    /** This JVM (another process than the child) cannot open the volume, and its bytes stay as they are. */
    private static void assertRefusedHere(Path data) throws IOException {
        byte[] before = Files.readAllBytes(data);
        IOException refused = assertThrows(IOException.class, () -> Volume.open(VolumeOptions.of(data)));
        assertTrue(refused.getMessage().contains("in use by another process"), refused.getMessage());
        assertArrayEquals(before, Files.readAllBytes(data), "a refused open changed the device");
    }

    // ------------------------------------------------------------------ one process

    @Test
    void aSecondOpenThroughASymlinkIsRecognisedAsTheSameVolume() throws Exception {
        Path data = formatted();
        Path link = Files.createSymbolicLink(directory.resolve("symlink"), data);
        try (Volume open = Volume.open(VolumeOptions.of(data))) {
            IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> Volume.open(VolumeOptions.of(link)));
            assertTrue(refused.getMessage().contains(data.toString()), refused.getMessage());
        }
    }

    @Test
    void theMetadataDeviceMustDifferFromTheDataDevice() throws Exception {
        Path data = formatted();
        Path link = Files.createLink(directory.resolve("same-inode"), data);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
            () -> Volume.open(VolumeOptions.of(data).withMetadataPath(link)));
        assertTrue(refused.getMessage().contains("the metadata device must differ from the data device"),
            refused.getMessage());
    }

    @Test
    void writesAfterTheHolderClosedAnotherDescriptorStillBelongToTheHolderAlone() throws Exception {
        // The original failure: the lock vanished, a second writer got in, and the first writer's
        // metadata turned the second one's data into verified zeros. Here the holder is this JVM.
        Path data = formatted();
        try (Volume volume = Volume.open(VolumeOptions.of(data)); Arena arena = Arena.ofConfined()) {
            try (InputStream in = Files.newInputStream(data)) {
                in.readNBytes(BLOCK);
            }
            MemorySegment block = arena.allocate(BLOCK);
            block.fill((byte) 7);
            volume.writeBlocking(0, block);
            try (Child intruder = Child.start(data, "hold")) {
                throw new AssertionError("a second process opened a volume this process holds: "
                    + intruder.outcome());
            } catch (ChildFailed expected) {
                assertTrue(expected.getMessage().contains("in use by another process"), expected.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ the child JVM

    static final class ChildFailed extends Exception {
        private static final long serialVersionUID = 1L;

        ChildFailed(String message) {
            super(message);
        }
    }

    /** A {@link VolumeHolder} process; closing it closes its stdin and waits for it to exit. */
    static final class Child implements AutoCloseable {
        private final Process process;
        private final String outcome;

        private Child(Process process, String outcome) {
            this.process = process;
            this.outcome = outcome;
        }

        static Child start(Path data, String action, String... extra) throws Exception {
            List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), VolumeHolder.class.getName(), action, data.toString()));
            command.addAll(List.of(extra.length == 0 ? new String[] {"writable"} : extra));
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder transcript = new StringBuilder();
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("READY ")) {
                    return new Child(process, line.substring("READY ".length()));
                }
                transcript.append(line).append('\n');
            }
            process.waitFor(30, TimeUnit.SECONDS);
            throw new ChildFailed("the holder process exited before it was ready: " + transcript);
        }

        String outcome() {
            return outcome;
        }

        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "holder process exited");
            assertEquals(0, process.exitValue(), "holder process exit status");
        }
    }
}
