package dev.csum;

/** {@link VolumeBadInputTest} on the portable FileChannel I/O port. */
class VolumeBadInputPortableTest extends VolumeBadInputTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }
}
