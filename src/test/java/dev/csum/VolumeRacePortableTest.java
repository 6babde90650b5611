package dev.csum;

/** {@link VolumeRaceTest} on the portable FileChannel I/O port. */
class VolumeRacePortableTest extends VolumeRaceTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }
}
