package dev.csum;

/** {@link VolumeConcurrencyTest} on the portable FileChannel I/O port. */
class VolumeConcurrencyPortableTest extends VolumeConcurrencyTest {
    @Override
    IoEngine ioEngine() {
        return IoEngine.PORTABLE;
    }
}
