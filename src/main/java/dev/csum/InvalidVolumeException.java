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

    /**
     * A refusal. The volume makes these; the constructor is public for tests and for code that wraps
     * a volume.
     *
     * @param message what the devices are or hold and why that was refused, in operator terms
     * @param cause the underlying failure, or null
     */
    public InvalidVolumeException(String message, Throwable cause) {
        super(message, cause);
    }
}
