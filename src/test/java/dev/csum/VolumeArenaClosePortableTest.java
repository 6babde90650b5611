package dev.csum;

/** {@link VolumeArenaCloseTest} on the portable FileChannel I/O port. */
class VolumeArenaClosePortableTest extends VolumeArenaCloseTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }
}
