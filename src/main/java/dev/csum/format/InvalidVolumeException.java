package dev.csum.format;

import java.io.IOException;

/**
 * A device is not a usable csum volume: not a volume at all, damaged beyond the backup, truncated,
 * of an unsupported format version, or paired with the wrong metadata device. The message says which,
 * in operator terms. Nothing was written when this is thrown.
 */
public class InvalidVolumeException extends IOException {

    private static final long serialVersionUID = 1L;

    public InvalidVolumeException(String message) {
        super(message);
    }

    public InvalidVolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
