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
 * its printed hex digits). Format version 2 encodes 128 bytes, version 1 the first 64 of them; the
 * rest of the block is zero.
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
 *   64                                      72                                      80
 *   | log offset u64, in blocks (version 2) | log length u64, in blocks (version 2) |
 *   +---------------------------------------+---------------------------------------+
 *   80 .. 127: reserved, zero (version 2)
 * </pre>
 *
 * The checksum is CRC-32C over the whole block ({@code blockSizeBytes}, so every encoded byte of
 * either version) with the checksum field taken as zero. Tuples per group, group count and (version
 * 2) the log offset are redundant with the block size, data block count and log length; a decoder
 * checks them. Flag bit 0 (version 2), {@link #FLAG_DATA_ZEROED}: the data area read as zeros when
 * the volume was formatted.
 *
 * <p>Magic, checksum, format version and block size keep these offsets, and the checksum this rule,
 * in every format version (docs/FORMAT.md §3.1), so {@link #inspect} can tell a damaged superblock
 * (checksum fails: a backup may stand in) from an intact one this build does not accept (another
 * version, unknown flags: a refusal) without understanding the rest.
 *
 * <p>This build writes version 2 and reads versions 1 and 2; a version 1 volume is opened read-only
 * (docs/FORMAT.md §7, {@link #refuseWritableOpen}).
 *
 * @param formatVersion  {@link #FORMAT_VERSION}, or {@link #FORMAT_VERSION_1} for a volume an older build made
 * @param volumeUuid     identity shared by every device of the volume
 * @param blockSizeBytes 512 or 4096
 * @param checksum       the data blocks' checksum algorithm
 * @param dataBlockCount usable blocks
 * @param placement      where the imd blocks live
 * @param role           which device this copy describes (must fit {@code placement})
 * @param flags          feature flags: version 2 knows {@link #FLAG_DATA_ZEROED} and {@link #FLAG_LOG_SECTORS}, version 1 none
 * @param logBlockCount  blocks of the tuple log region: at least {@link Geometry#MIN_LOG_BLOCKS} in
 *                       version 2, 0 in version 1 (which has no log)
 */
public record Superblock(int formatVersion, UUID volumeUuid, int blockSizeBytes, ChecksumAlgorithm checksum,
                         long dataBlockCount, MetadataPlacement placement, DeviceRole role, int flags, long logBlockCount) {

    /** The format version this build writes. */
    public static final int FORMAT_VERSION = 2;
    /** The version before the tuple log: this build reads it and opens it read-only. */
    public static final int FORMAT_VERSION_1 = 1;
    /** "CSUMVOL" then 0x1A, read as a little-endian u64. */
    public static final long MAGIC = 0x1A4C4F564D555343L;
    /** The encoded fields of version 2 (the reserved bytes 80..127 included); the rest of the block is zero. */
    public static final int ENCODED_BYTES = 128;
    /** The encoded fields of version 1; the rest of the block is zero. */
    public static final int ENCODED_BYTES_V1 = 64;
    /** Bytes a decoder needs to find the block size: the smallest block. */
    public static final int MIN_BLOCK_BYTES = 512;
    /**
     * The largest block size any format version may use (docs/FORMAT.md §3.1): bytes a reader needs
     * to check the checksum of a superblock of any version, and so to tell damaged from unsupported.
     */
    public static final int MAX_BLOCK_BYTES_ANY_VERSION = 65536;
    /** Flag bit 0 (version 2): the data area read as zeros when the volume was formatted. */
    public static final int FLAG_DATA_ZEROED = 1;
    /**
     * Flag bit 1 (version 2, since 2026-12-04): the tuple log is cut into log blocks of
     * {@link #LOG_SECTOR_BYTES} instead of blocks of the volume (docs/FORMAT.md §3, §8). Builds before
     * it refuse the volume (an unknown flag).
     */
    public static final int FLAG_LOG_SECTORS = 2;
    /** A log block's size on a volume with {@link #FLAG_LOG_SECTORS}. */
    public static final int LOG_SECTOR_BYTES = 512;
    /** Flags version 2 understands. */
    public static final int KNOWN_FLAGS = FLAG_DATA_ZEROED | FLAG_LOG_SECTORS;
    /** Flags version 1 understands: none. */
    public static final int KNOWN_FLAGS_V1 = 0;

    /**
     * The one line a writable open of a format version 1 volume is refused with. This build reads
     * version 1 (version 2 without the tuple log) but writes only version 2's way.
     */
    public static final String VERSION_1_WRITABLE_REFUSAL = "format version 1 volume: open it read-only, or run "
            + "'csum convert VOLUME' to add the tuple log (format version 2)";

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
    /** Version 2: the log's first block on the metadata device (interleaved: the device), u64. */
    public static final int LOG_OFFSET_BLOCKS_OFFSET = 64;
    /** Version 2: the log's length in blocks, u64. */
    public static final int LOG_BLOCK_COUNT_OFFSET = 72;
    /**
     * Version 2: the log sequence ceiling, u64 (docs/FORMAT.md §8.1): every log record ever written has
     * a lower sequence; 0 when none is recorded. Not one of this record's fields: copies that differ
     * only here are the same superblock.
     */
    public static final int SEQUENCE_CEILING_OFFSET = 80;
    /** Version 2: the first reserved byte; bytes 88 to 127, and the rest of the block, are zero. */
    public static final int RESERVED_OFFSET = 88;

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64_BIG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    static {
        assert GROUP_COUNT_OFFSET + Long.BYTES == ENCODED_BYTES_V1 && ENCODED_BYTES_V1 == LOG_OFFSET_BLOCKS_OFFSET;
        assert LOG_BLOCK_COUNT_OFFSET + Long.BYTES == SEQUENCE_CEILING_OFFSET;
        assert SEQUENCE_CEILING_OFFSET + Long.BYTES == RESERVED_OFFSET && RESERVED_OFFSET + 40 == ENCODED_BYTES;
        assert ROLE_OFFSET + 1 == DATA_BLOCK_COUNT_OFFSET;
        assert isBlockSizeOfAnyVersion(512) && isBlockSizeOfAnyVersion(4096) : "version 1's block sizes are in every version's range";
    }

    public Superblock {
        Objects.requireNonNull(volumeUuid, "volumeUuid");
        Objects.requireNonNull(checksum, "checksum");
        Objects.requireNonNull(placement, "placement");
        Objects.requireNonNull(role, "role");
        if (formatVersion != FORMAT_VERSION && formatVersion != FORMAT_VERSION_1) {
            throw new IllegalArgumentException("this build knows format versions " + FORMAT_VERSION_1 + " and " + FORMAT_VERSION
                    + ", not " + formatVersion);
        }
        if (!role.fits(placement)) {
            throw new IllegalArgumentException("device role " + role + " does not fit " + placement + " metadata");
        }
        if ((flags & ~knownFlags(formatVersion)) != 0) {
            throw new IllegalArgumentException("unknown superblock flags 0x" + Integer.toHexString(flags)
                    + " for format version " + formatVersion);
        }
        if (formatVersion == FORMAT_VERSION_1 ? logBlockCount != 0 : logBlockCount < Geometry.MIN_LOG_BLOCKS) {
            throw new IllegalArgumentException("format version " + formatVersion + " needs a tuple log of "
                    + (formatVersion == FORMAT_VERSION_1 ? "0 blocks" : "at least " + Geometry.MIN_LOG_BLOCKS + " blocks")
                    + ", got " + logBlockCount);
        }
        Geometry.of(blockSizeBytes, dataBlockCount, placement, logBlockCount); // validates size, count and bounds
    }

    /** The flags format version {@code formatVersion} understands. */
    static int knownFlags(int formatVersion) {
        return formatVersion == FORMAT_VERSION_1 ? KNOWN_FLAGS_V1 : KNOWN_FLAGS;
    }

    /** Bytes of the encoded fields in this superblock's version: 128, or 64 for version 1. */
    public int encodedBytes() {
        return formatVersion == FORMAT_VERSION_1 ? ENCODED_BYTES_V1 : ENCODED_BYTES;
    }

    /**
     * Refuses a writable open of this volume when its format version is one this build reads but
     * does not write (version 1: docs/FORMAT.md §7). A writable open calls it on each superblock it
     * reads, before it writes anything (a damaged primary's restore included).
     *
     * @throws InvalidVolumeException with {@link #VERSION_1_WRITABLE_REFUSAL}
     */
    public void refuseWritableOpen() throws InvalidVolumeException {
        if (formatVersion == FORMAT_VERSION_1) {
            throw new InvalidVolumeException(VERSION_1_WRITABLE_REFUSAL);
        }
    }

    /** The layout this superblock describes. */
    public Geometry geometry() {
        return Geometry.of(blockSizeBytes, dataBlockCount, placement, logBlockCount);
    }

    /** The tuple log's first block on the metadata device (interleaved: the device); version 1: the backup superblock's block. */
    public long logOffsetBlocks() {
        return geometry().logOffsetBlocks();
    }

    /** Whether the data area read as zeros when the volume was formatted ({@link #FLAG_DATA_ZEROED}). */
    public boolean dataZeroed() {
        return (flags & FLAG_DATA_ZEROED) != 0;
    }

    /** Whether the tuple log's blocks are {@link #LOG_SECTOR_BYTES} long ({@link #FLAG_LOG_SECTORS}). */
    public boolean logSectors() {
        return (flags & FLAG_LOG_SECTORS) != 0;
    }

    /**
     * The tuple log region and its log blocks (docs/FORMAT.md §8): 512 bytes with
     * {@link #FLAG_LOG_SECTORS}, else blocks of the volume. Version 1: an empty region at the backup.
     */
    public LogRegion logRegion() {
        Geometry geometry = geometry();
        int logBlockBytes = logSectors() ? LOG_SECTOR_BYTES : blockSizeBytes;
        return new LogRegion(geometry.logOffsetBytes(), logBlockBytes,
            geometry.logBlockCount() * (blockSizeBytes / logBlockBytes));
    }

    /**
     * The smallest unit any I/O of this volume uses, bytes: the block size, or the log block when it
     * is smaller. Direct I/O to the volume's devices needs an alignment that divides it.
     */
    public int ioUnitBytes() {
        return Math.min(blockSizeBytes, logRegion().blockBytes());
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
        return new Superblock(formatVersion, volumeUuid, blockSizeBytes, checksum, dataBlockCount, placement, newRole, flags,
                logBlockCount);
    }

    /** The copy of this superblock the metadata device holds: role combined (interleaved) or metadata (separate). */
    public Superblock metadataCopy() {
        return withRole(placement == MetadataPlacement.INTERLEAVED ? DeviceRole.COMBINED : DeviceRole.METADATA);
    }

    /** Writes this superblock over the whole of {@code block} (exactly {@code blockSizeBytes}) with no sequence ceiling. */
    public void encode(MemorySegment block) {
        encode(block, 0);
    }

    /**
     * Writes this superblock over the whole of {@code block} (exactly {@code blockSizeBytes}): fields,
     * the log sequence ceiling (version 2; docs/FORMAT.md §8.1), zeros, checksum last.
     *
     * @param sequenceCeiling 0 (none recorded) or a sequence above every log record written; must be 0 in version 1
     */
    public void encode(MemorySegment block, long sequenceCeiling) {
        if (sequenceCeiling < 0 || (formatVersion == FORMAT_VERSION_1 && sequenceCeiling != 0)) {
            throw new IllegalArgumentException("no sequence ceiling " + sequenceCeiling + " in format version " + formatVersion);
        }
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
        if (formatVersion != FORMAT_VERSION_1) {
            block.set(U64, LOG_OFFSET_BLOCKS_OFFSET, logOffsetBlocks());
            block.set(U64, LOG_BLOCK_COUNT_OFFSET, logBlockCount);
            block.set(U64, SEQUENCE_CEILING_OFFSET, sequenceCeiling);
        }
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
     * bytes, the whole block present, checksum. Then, on a block that is intact, its version's own rules,
     * whose failure means {@link SuperblockValidity#UNSUPPORTED}: format version (1 or 2), flags,
     * every field's range, the log's length, the redundant fields (the log's offset among them: a log
     * overlapping the groups or not where the layout puts it is refused), zero reserved bytes.
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
        if (version != FORMAT_VERSION && version != FORMAT_VERSION_1) {
            return Decoded.unsupported("unsupported format version " + Integer.toUnsignedString(version)
                    + " (this build reads " + FORMAT_VERSION_1 + " and " + FORMAT_VERSION + ")", null);
        }
        int flags = whole.get(U32, FLAGS_OFFSET);
        int known = knownFlags(version);
        if ((flags & ~known) != 0) {
            return Decoded.unsupported("unsupported superblock flags 0x" + Integer.toHexString(flags & ~known)
                    + " (format version " + version + " knows 0x" + Integer.toHexString(known) + ")", null);
        }
        try {
            UUID uuid = new UUID(whole.get(U64_BIG, VOLUME_UUID_OFFSET), whole.get(U64_BIG, VOLUME_UUID_OFFSET + 8));
            ChecksumAlgorithm algorithm = ChecksumAlgorithm.fromId(Short.toUnsignedInt(whole.get(U16, CHECKSUM_ALGORITHM_OFFSET)));
            MetadataPlacement placement = MetadataPlacement.fromCode(Byte.toUnsignedInt(whole.get(ValueLayout.JAVA_BYTE, PLACEMENT_OFFSET)));
            DeviceRole role = DeviceRole.fromCode(Byte.toUnsignedInt(whole.get(ValueLayout.JAVA_BYTE, ROLE_OFFSET)));
            long dataBlockCount = whole.get(U64, DATA_BLOCK_COUNT_OFFSET);
            long logBlockCount = version == FORMAT_VERSION_1 ? 0 : whole.get(U64, LOG_BLOCK_COUNT_OFFSET);
            if (logBlockCount < 0) {
                return Decoded.unsupported("superblock invalid: a tuple log of " + Long.toUnsignedString(logBlockCount)
                        + " blocks overflows a 64-bit byte offset", null);
            }
            if (version != FORMAT_VERSION_1 && logBlockCount < Geometry.MIN_LOG_BLOCKS) {
                return Decoded.unsupported("superblock invalid: a tuple log of " + logBlockCount
                        + " blocks, shorter than the minimum of " + Geometry.MIN_LOG_BLOCKS, null);
            }
            Superblock superblock = new Superblock(version, uuid, blockSizeBytes, algorithm, dataBlockCount, placement, role, flags,
                    logBlockCount);
            Geometry geometry = superblock.geometry();
            int tuples = whole.get(U32, TUPLES_PER_GROUP_OFFSET);
            long groups = whole.get(U64, GROUP_COUNT_OFFSET);
            if (tuples != superblock.tuplesPerGroup() || groups != geometry.groupCount()) {
                return Decoded.unsupported("superblock inconsistent: " + tuples + " tuples per group and " + groups
                        + " groups, expected " + superblock.tuplesPerGroup() + " and " + geometry.groupCount(), null);
            }
            if (version != FORMAT_VERSION_1) {
                String misplaced = misplacedLog(whole.get(U64, LOG_OFFSET_BLOCKS_OFFSET), geometry);
                if (misplaced != null) {
                    return Decoded.unsupported(misplaced, null);
                }
            }
            if (version != FORMAT_VERSION_1 && whole.get(U64, SEQUENCE_CEILING_OFFSET) < 0) {
                return Decoded.unsupported("superblock invalid: log sequence ceiling "
                        + Long.toUnsignedString(whole.get(U64, SEQUENCE_CEILING_OFFSET)) + " is not below 2^63", null);
            }
            long reserved = version == FORMAT_VERSION_1 ? ENCODED_BYTES_V1 : RESERVED_OFFSET;
            for (long offset = reserved; offset < blockSizeBytes; offset += Long.BYTES) {
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
     * The log sequence ceiling a superblock block holds (docs/FORMAT.md §8.1): 0 for version 1 and
     * for a version 2 volume that records none. {@code block} must have decoded as valid.
     */
    public static long sequenceCeiling(MemorySegment block) {
        return block.get(U32, FORMAT_VERSION_OFFSET) == FORMAT_VERSION_1 ? 0 : block.get(U64, SEQUENCE_CEILING_OFFSET);
    }

    /**
     * Why a version 2 superblock's log offset ({@code storedOffsetBlocks}) is not the one its layout
     * gives, or null when it is: the log starts right after the last group (interleaved) or imd pair
     * (separate), so one starting earlier overlaps them (or the superblock) and one starting later
     * leaves blocks the layout does not describe, or lies past the device's end.
     */
    private static String misplacedLog(long storedOffsetBlocks, Geometry geometry) {
        long expected = geometry.logOffsetBlocks();
        if (storedOffsetBlocks == expected) {
            return null;
        }
        boolean interleaved = geometry.placement() == MetadataPlacement.INTERLEAVED;
        String last = interleaved ? "the last group" : "the last imd pair";
        String where = "superblock invalid: the tuple log at block " + Long.toUnsignedString(storedOffsetBlocks) + " ("
                + geometry.logBlockCount() + " blocks) ";
        String problem = Long.compareUnsigned(storedOffsetBlocks, expected) > 0 ? "does not follow " + last
                : "overlaps " + (storedOffsetBlocks == 0 ? "the superblock" : interleaved ? "the groups" : "the imd pairs");
        return where + problem + "; it belongs right after " + last + ", at block " + expected;
    }

    /**
     * Whether {@code blockSizeBytes} is a block size some format version may use (docs/FORMAT.md
     * §3.1): a power of two from {@value #MIN_BLOCK_BYTES} to {@value #MAX_BLOCK_BYTES_ANY_VERSION}.
     * Versions 1 and 2 use only 512 and 4096 ({@link Geometry#isSupportedBlockSize}).
     */
    static boolean isBlockSizeOfAnyVersion(int blockSizeBytes) {
        return Integer.bitCount(blockSizeBytes) == 1 && blockSizeBytes >= MIN_BLOCK_BYTES && blockSizeBytes <= MAX_BLOCK_BYTES_ANY_VERSION;
    }
}
