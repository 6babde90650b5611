package dev.csum;

/** {@link VolumeReadInPlaceTest} on the portable FileChannel I/O port. */
class VolumeReadInPlacePortableTest extends VolumeReadInPlaceTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }
}
