package dev.csum;

import java.io.IOException;

/**
 * The devices were refused, and nothing was written: they are not a usable csum volume
 * ({@link Volume#open}, {@link Volume#inspect}: not a volume at all, damaged beyond the backup,
 * truncated, of an unsupported format version, or paired with the wrong metadata device), or they
 * hold something {@link Volume#format} will not overwrite unless told to (a volume, a file system,
 * a partition table, data). The message says which, in operator terms.
 */
public final class InvalidVolumeException extends IOException {
    private static final long serialVersionUID = 1L;

    public InvalidVolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
