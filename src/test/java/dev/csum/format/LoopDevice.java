package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

/** A loop device over an image file (needs root and /dev/loop-control); detached on close. */
record LoopDevice(String path) implements AutoCloseable {

    /** Attaches {@code file} as a block device of {@code sectorBytes}-byte logical sectors. */
    static LoopDevice attach(Path file, int sectorBytes) throws Exception {
        String device = Tools.run("mount", "", "losetup", "--find", "--show", "--sector-size", Integer.toString(sectorBytes),
                file.toString()).strip();
        assertTrue(device.startsWith("/dev/loop"), "losetup (needs root and /dev/loop-control) said: " + device);
        return new LoopDevice(device);
    }

    Path asPath() {
        return Path.of(path);
    }

    @Override
    public void close() throws Exception {
        Tools.run("mount", "", "losetup", "--detach", path);
    }
}
