package dev.csum;

/** {@link VolumeVirtualThreadTest} on the portable FileChannel I/O port. */
class VolumeVirtualThreadPortableTest extends VolumeVirtualThreadTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }
}
