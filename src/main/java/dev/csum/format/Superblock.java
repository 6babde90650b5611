package dev.csum.format;

import dev.csum.checksum.ChecksumAlgorithm;
import dev.csum.checksum.Crc32c;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;
import java.util.UUID;

/**
 * The superblock: block 0 of every device of a volume, and a backup in the last block of the
 * metadata area. Multi-byte integers little-endian; the UUID in RFC 4122 byte order (the order of
 * its printed hex digits). Bytes 64 to the end of the block are zero.
 *
 * <pre>
 *   0                                       8                   12                  16
 *   +---------------------------------------+-------------------+-------------------+
 *   | magic "CSUMVOL" 0x1A                  | checksum u32      | format version u32|
 *   +---------------------------------------+-------------------+-------------------+
 *   16                                                                              32
 *   +-------------------------------------------------------------------------------+
 *   | volume UUID, 16 bytes, RFC 4122 order                                         |
 *   +-------------------+---------+----+----+---------------------------------------+
 *   32                  36        38   39   40                                      48
 *   | block size u32    | algo u16|plc |role| data block count u64                  |
 *   +-------------------+---------+----+----+---------------------------------------+
 *   48                  52                  56                                      64
 *   | tuples/group u32  | flags u32         | group count u64                       |
 *   +-------------------+-------------------+---------------------------------------+
 * </pre>
 *
 * The checksum is CRC-32C over the whole block ({@code blockSizeBytes}) with the checksum field
 * taken as zero. Tuples per group and group count are redundant with the block size and data block
 * count; a decoder checks them.
 *
 * <p>Magic, checksum, format version and block size keep these offsets, and the checksum this rule,
 * in every format version (docs/FORMAT.md §3.1), so {@link #inspect} can tell a damaged superblock
 * (checksum fails: a backup may stand in) from an intact one this build does not accept (another
 * version, unknown flags: a refusal) without understanding the rest.
 *
 * @param formatVersion  {@link #FORMAT_VERSION}
 * @param volumeUuid     identity shared by every device of the volume
 * @param blockSizeBytes 512 or 4096
 * @param checksum       the data blocks' checksum algorithm
 * @param dataBlockCount usable blocks
 * @param placement      where the imd blocks live
 * @param role           which device this copy describes (must fit {@code placement})
 * @param flags          feature flags; version 1 defines none, so 0
 */
public record Superblock(int formatVersion, UUID volumeUuid, int blockSizeBytes, ChecksumAlgorithm checksum,
                         long dataBlockCount, MetadataPlacement placement, DeviceRole role, int flags) {

    public static final int FORMAT_VERSION = 1;
    /** "CSUMVOL" then 0x1A, read as a little-endian u64. */
    public static final long MAGIC = 0x1A4C4F564D555343L;
    /** The encoded fields; the rest of the block is zero. */
    public static final int ENCODED_BYTES = 64;
    /** Bytes a decoder needs to find the block size: the smallest block. */
    public static final int MIN_BLOCK_BYTES = 512;
    /**
     * The largest block size any format version may use (docs/FORMAT.md §3.1): bytes a reader needs
     * to check the checksum of a superblock of any version, and so to tell damaged from unsupported.
     */
    public static final int MAX_BLOCK_BYTES_ANY_VERSION = 65536;
    /** Flags version 1 understands: none. */
    public static final int KNOWN_FLAGS = 0;

    public static final int MAGIC_OFFSET = 0;
    public static final int CHECKSUM_OFFSET = 8;
    public static final int FORMAT_VERSION_OFFSET = 12;
    public static final int VOLUME_UUID_OFFSET = 16;
    public static final int BLOCK_SIZE_OFFSET = 32;
    public static final int CHECKSUM_ALGORITHM_OFFSET = 36;
    public static final int PLACEMENT_OFFSET = 38;
    public static final int ROLE_OFFSET = 39;
    public static final int DATA_BLOCK_COUNT_OFFSET = 40;
    public static final int TUPLES_PER_GROUP_OFFSET = 48;
    public static final int FLAGS_OFFSET = 52;
    public static final int GROUP_COUNT_OFFSET = 56;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64_BIG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    static {
        assert GROUP_COUNT_OFFSET + Long.BYTES == ENCODED_BYTES;
        assert ROLE_OFFSET + 1 == DATA_BLOCK_COUNT_OFFSET;
        assert isBlockSizeOfAnyVersion(512) && isBlockSizeOfAnyVersion(4096) : "version 1's block sizes are in every version's range";
    }

    public Superblock {
        Objects.requireNonNull(volumeUuid, "volumeUuid");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(role, "role");
        if (formatVersion != FORMAT_VERSION) {
            throw new IllegalArgumentException("this build writes format version " + FORMAT_VERSION + ", not " + formatVersion);
        }
        if (!role.fits(placement)) {
            throw new IllegalArgumentException("device role " + role + " does not fit " + placement + " metadata");
        }
        if ((flags & ~KNOWN_FLAGS) != 0) {
            throw new IllegalArgumentException("unknown superblock flags 0x" + Integer.toHexString(flags));
        }
        Geometry.of(blockSizeBytes, dataBlockCount, placement); // validates size, count and bounds
    }

    /** The layout this superblock describes. */
    public Geometry geometry() {
        return Geometry.of(blockSizeBytes, dataBlockCount, placement);
    }

    public int tuplesPerGroup() {
        return Geometry.tuplesPerGroup(blockSizeBytes);
    }

    /** The 32 bits of the UUID stamped into every imd header: UUID bytes 0..3 read little-endian. */
    public int volumeTag() {
        return volumeTag(volumeUuid);
    }

    /** See {@link #volumeTag()}. */
    public static int volumeTag(UUID uuid) {
        return Integer.reverseBytes((int) (uuid.getMostSignificantBits() >>> 32));
    }

    /** The same superblock as seen on another device of the volume. */
    public Superblock withRole(DeviceRole newRole) {
        return new Superblock(formatVersion, volumeUuid, blockSizeBytes, checksum, dataBlockCount, placement, newRole, flags);
    }

    /** Writes this superblock over the whole of {@code block} (exactly {@code blockSizeBytes}): fields, zeros, checksum last. */
    public void encode(MemorySegment block) {
        if (block.byteSize() != blockSizeBytes) {
            throw new IllegalArgumentException("superblock needs a " + blockSizeBytes + "-byte segment, got " + block.byteSize());
        }
        block.fill((byte) 0);
        block.set(U64, MAGIC_OFFSET, MAGIC);
        block.set(U32, FORMAT_VERSION_OFFSET, formatVersion);
        block.set(U64_BIG, VOLUME_UUID_OFFSET, volumeUuid.getMostSignificantBits());
        block.set(U64_BIG, VOLUME_UUID_OFFSET + 8, volumeUuid.getLeastSignificantBits());
        block.set(U32, BLOCK_SIZE_OFFSET, blockSizeBytes);
        block.set(U16, CHECKSUM_ALGORITHM_OFFSET, (short) checksum.id());
        block.set(ValueLayout.JAVA_BYTE, PLACEMENT_OFFSET, (byte) placement.code());
        block.set(ValueLayout.JAVA_BYTE, ROLE_OFFSET, (byte) role.code());
        block.set(U64, DATA_BLOCK_COUNT_OFFSET, dataBlockCount);
        block.set(U32, TUPLES_PER_GROUP_OFFSET, tuplesPerGroup());
        block.set(U32, FLAGS_OFFSET, flags);
        block.set(U64, GROUP_COUNT_OFFSET, geometry().groupCount());
        block.set(U32, CHECKSUM_OFFSET, Crc32c.ofWithFieldZeroed(block, CHECKSUM_OFFSET));
    }

    /**
     * What {@link #inspect} found: a usable superblock, or why not and whether a backup may stand in.
     *
     * @param validity   the verdict
     * @param superblock the decoded superblock when {@link SuperblockValidity#VALID}, else null
     * @param problem    what is wrong, in operator terms, when not valid; else null
     */
    public record Decoded(SuperblockValidity validity, Superblock superblock, InvalidVolumeException problem) {
        public Decoded {
            Objects.requireNonNull(validity, "validity");
            if ((validity == SuperblockValidity.VALID) != (superblock != null) || (superblock == null) == (problem == null)) {
                throw new IllegalArgumentException(validity + " with superblock " + superblock + " and problem " + problem);
            }
        }

        static Decoded damaged(String message) {
            return new Decoded(SuperblockValidity.DAMAGED, null, new InvalidVolumeException(message));
        }

        static Decoded unsupported(String message, Throwable causeOrNull) {
            return new Decoded(SuperblockValidity.UNSUPPORTED, null, new InvalidVolumeException(message, causeOrNull));
        }
    }

    /**
     * Decodes and fully validates a superblock. {@code block} starts at the superblock and holds at
     * least its block size (it may be longer: only the first {@code blockSizeBytes} are read).
     *
     * @throws InvalidVolumeException saying what is wrong, in operator terms: the problem of {@link #inspect}
     */
    public static Superblock decode(MemorySegment block) throws InvalidVolumeException {
        Decoded decoded = inspect(block);
        if (decoded.validity() != SuperblockValidity.VALID) {
            throw decoded.problem();
        }
        return decoded.superblock();
    }

    /**
     * Reads {@code block} as a superblock and says whether it is valid, damaged or intact but
     * unsupported ({@link SuperblockValidity}). {@code block} starts at the superblock and should hold
     * at least its block size: up to {@link #MAX_BLOCK_BYTES_ANY_VERSION} for a block of any version.
     *
     * <p>First the checks every format version shares (docs/FORMAT.md §3.1), whose failure means the
     * block is {@link SuperblockValidity#DAMAGED}: at least {@value #MIN_BLOCK_BYTES} bytes, magic,
     * block size a power of two from {@value #MIN_BLOCK_BYTES} to {@value #MAX_BLOCK_BYTES_ANY_VERSION}
     * bytes, the whole block present, checksum. Then, on a block that is intact, version 1's own rules,
     * whose failure means {@link SuperblockValidity#UNSUPPORTED}: format version, flags, every field's
     * range and the redundant fields, zero reserved bytes.
     */
    public static Decoded inspect(MemorySegment block) {
        if (block.byteSize() < MIN_BLOCK_BYTES) {
            return Decoded.damaged("truncated: superblock needs " + MIN_BLOCK_BYTES + " bytes, got " + block.byteSize());
        }
        if (block.get(U64, MAGIC_OFFSET) != MAGIC) {
            return Decoded.damaged("not a csum volume (bad magic)");
        }
        int blockSizeBytes = block.get(U32, BLOCK_SIZE_OFFSET);
        if (!isBlockSizeOfAnyVersion(blockSizeBytes)) {
            return Decoded.damaged("superblock damaged: block size " + Integer.toUnsignedString(blockSizeBytes)
                    + " is not a power of two from " + MIN_BLOCK_BYTES + " to " + MAX_BLOCK_BYTES_ANY_VERSION);
        }
        if (block.byteSize() < blockSizeBytes) {
            return Decoded.damaged("truncated: superblock needs " + blockSizeBytes + " bytes, got " + block.byteSize());
        }
        MemorySegment whole = block.asSlice(0, blockSizeBytes);
        int stored = whole.get(U32, CHECKSUM_OFFSET);
        int computed = Crc32c.ofWithFieldZeroed(whole, CHECKSUM_OFFSET);
        if (stored != computed) {
            return Decoded.damaged(String.format("superblock checksum mismatch (stored 0x%08x, computed 0x%08x)", stored, computed));
        }
        // From here on the bytes are as written; a field we refuse means a writer we do not understand.
        int version = whole.get(U32, FORMAT_VERSION_OFFSET);
        if (version != FORMAT_VERSION) {
            return Decoded.unsupported("unsupported format version " + Integer.toUnsignedString(version)
                    + " (this build reads " + FORMAT_VERSION + ")", null);
        }
        int flags = whole.get(U32, FLAGS_OFFSET);
        if ((flags & ~KNOWN_FLAGS) != 0) {
            return Decoded.unsupported("unsupported superblock flags 0x" + Integer.toHexString(flags & ~KNOWN_FLAGS)
                    + " (this build knows 0x" + Integer.toHexString(KNOWN_FLAGS) + ")", null);
        }
        try {
            UUID uuid = new UUID(whole.get(U64_BIG, VOLUME_UUID_OFFSET), whole.get(U64_BIG, VOLUME_UUID_OFFSET + 8));
            ChecksumAlgorithm algorithm = ChecksumAlgorithm.fromId(Short.toUnsignedInt(whole.get(U16, CHECKSUM_ALGORITHM_OFFSET)));
            MetadataPlacement placement = MetadataPlacement.fromCode(Byte.toUnsignedInt(whole.get(ValueLayout.JAVA_BYTE, PLACEMENT_OFFSET)));
            DeviceRole role = DeviceRole.fromCode(Byte.toUnsignedInt(whole.get(ValueLayout.JAVA_BYTE, ROLE_OFFSET)));
            long dataBlockCount = whole.get(U64, DATA_BLOCK_COUNT_OFFSET);
            Superblock superblock = new Superblock(version, uuid, blockSizeBytes, algorithm, dataBlockCount, placement, role, flags);
            int tuples = whole.get(U32, TUPLES_PER_GROUP_OFFSET);
            long groups = whole.get(U64, GROUP_COUNT_OFFSET);
            if (tuples != superblock.tuplesPerGroup() || groups != superblock.geometry().groupCount()) {
                return Decoded.unsupported("superblock inconsistent: " + tuples + " tuples per group and " + groups
                        + " groups, expected " + superblock.tuplesPerGroup() + " and " + superblock.geometry().groupCount(), null);
            }
            for (long offset = ENCODED_BYTES; offset < blockSizeBytes; offset += Long.BYTES) {
                if (whole.get(U64, offset) != 0) {
                    return Decoded.unsupported("superblock reserved bytes at " + offset + " are not zero", null);
                }
            }
            return new Decoded(SuperblockValidity.VALID, superblock, null);
        } catch (IllegalArgumentException e) {
            return Decoded.unsupported("superblock invalid: " + e.getMessage(), e);
        }
    }

    /**
     * Whether {@code blockSizeBytes} is a block size some format version may use (docs/FORMAT.md
     * §3.1): a power of two from {@value #MIN_BLOCK_BYTES} to {@value #MAX_BLOCK_BYTES_ANY_VERSION}.
     * Version 1 itself uses only 512 and 4096 ({@link Geometry#isSupportedBlockSize}).
     */
    static boolean isBlockSizeOfAnyVersion(int blockSizeBytes) {
        return Integer.bitCount(blockSizeBytes) == 1 && blockSizeBytes >= MIN_BLOCK_BYTES && blockSizeBytes <= MAX_BLOCK_BYTES_ANY_VERSION;
    }
}
