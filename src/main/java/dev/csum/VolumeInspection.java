package dev.csum;

import java.util.List;
import java.util.Objects;

/**
 * What {@link Volume#inspect} found on a volume's devices, read without locking and without writing.
 *
 * @param info the volume's identity and geometry
 * @param usedBackupSuperblock a primary superblock was damaged and a copy stood in for it (a writable
 *     {@link Volume#open open} puts the primary back)
 * @param warnings one line per problem found and worked around (empty for a healthy volume)
 */
public record VolumeInspection(VolumeInfo info, boolean usedBackupSuperblock, List<String> warnings) {
    /**
     * Checks the components, each described above, and copies {@code warnings}.
     *
     * @throws NullPointerException when {@code info} or {@code warnings}, or one of the warnings, is
     *     null
     */
    public VolumeInspection {
        Objects.requireNonNull(info, "info");
        warnings = List.copyOf(warnings);
    }
}
