package dev.csum.nbd;

/**
 * One connection's replies by kind, counted by its reply writer alone (so plain increments of
 * volatile fields suffice) and read by anyone (metrics, {@link NbdServer#connections()}).
 */
final class ConnectionCounters {
    volatile long reads;
    volatile long writes;
    volatile long flushes;
    volatile long zeroings;
    volatile long readBytes;
    volatile long writtenBytes;
    volatile long errors;
    volatile long integrityErrors;

    /** Counts one reply; the writer thread only. */
    void count(int command, long lengthBytes, int error, boolean integrityFailure) {
        switch (command) {
            case NbdProtocol.CMD_READ -> {
                reads++;
                if (error == 0) {
                    readBytes += lengthBytes;
                }
            }
            case NbdProtocol.CMD_WRITE -> {
                writes++;
                if (error == 0) {
                    writtenBytes += lengthBytes;
                }
            }
            case NbdProtocol.CMD_FLUSH -> flushes++;
            case NbdProtocol.CMD_TRIM, NbdProtocol.CMD_WRITE_ZEROES -> zeroings++;
            default -> {
                // unknown commands count as errors only
            }
        }
        if (error != 0) {
            errors++;
        }
        if (integrityFailure) {
            integrityErrors++;
        }
    }
}
