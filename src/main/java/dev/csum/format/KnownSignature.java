package dev.csum.format;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The signatures format looks for before it overwrites a device: the bytes other software writes
 * at a fixed place so that it (and blkid, wipefs) recognises its own devices. One row per place;
 * {@link #describe} reports the first row, in table order, whose bytes are all there. Every row
 * lies in the first MiB of the device, which {@link ExistingContent} reads once.
 *
 * <pre>
 * holds                    at byte                                bytes there
 * -----------------------  -------------------------------------  ------------------------------------------
 * csum volume (damaged)    0                                      "CSUMVOL" 0x1A
 * LUKS1                    0                                      "LUKS" 0xBA 0xBE 0x00 0x01 (u16 BE version 1)
 * LUKS2                    0                                      "LUKS" 0xBA 0xBE 0x00 0x02
 * LUKS2 secondary header   16 Ki, 32 Ki, 64 Ki, ..., 512 Ki       "SKUL" 0xBA 0xBE 0x00 0x02
 * dm-integrity             0                                      "integrt" 0x00
 * XFS                      0                                      "XFSB"
 * LVM2 physical volume     0, 512, 1024, 1536 (sectors 0 to 3)    "LABELONE", 16 other bytes, "LVM2 001"
 * ext2, ext3, ext4         1080 = 1024 + 0x38                     0x53 0xEF (u16 LE 0xEF53); features name it
 * btrfs                    65600 = 64 Ki + 64                     "_BHRfS_M"
 * Linux swap               page size - 10, page 4, 8, 16, 64 Ki   "SWAPSPACE2"
 * ZFS                      128 Ki + k Ki, 384 Ki + k Ki, k < 128  u64 0x00bab10c, either byte order
 * GPT                      512, 4096 (LBA 1)                      "EFI PART"
 * MBR or boot sector       510                                    0x55 0xAA
 * </pre>
 *
 * The order matters where two can coincide: a GPT disk keeps a protective MBR, and many boot
 * sectors end in 0x55 0xAA, so those two come last. Copies kept elsewhere are not rows: GPT's
 * backup header and ZFS labels L2 and L3 lie in the last MiB, so a device whose start was wiped
 * is still refused for their non-zero bytes; btrfs's superblock mirrors (64 MiB, 256 GiB) are not
 * looked at.
 *
 * @param magicName   how the message names the bytes, e.g. {@code superblock magic 0xEF53}
 * @param offsetBytes where {@code pattern} starts, from the start of the device
 * @param pattern     one byte (0 to 255) per element, or {@link #ANY} where any byte will do
 * @param holds       what the device holds when the pattern matches, given the first MiB
 */
record KnownSignature(String magicName, long offsetBytes, int[] pattern, Function<MemorySegment, String> holds) {

    /** A pattern element that matches any byte. */
    static final int ANY = -1;

    private static final ValueLayout.OfInt U32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    // ext2/3/4: fs/ext4/ext4.h, struct ext4_super_block, which starts at byte 1024 of the device.
    private static final int EXT_SUPERBLOCK_OFFSET = 1024;
    private static final int EXT_MAGIC_OFFSET = EXT_SUPERBLOCK_OFFSET + 0x38;
    private static final int EXT_FEATURE_COMPAT_OFFSET = EXT_SUPERBLOCK_OFFSET + 0x5C;
    private static final int EXT_FEATURE_INCOMPAT_OFFSET = EXT_SUPERBLOCK_OFFSET + 0x60;
    private static final int EXT_FEATURE_RO_COMPAT_OFFSET = EXT_SUPERBLOCK_OFFSET + 0x64;
    private static final int EXT_COMPAT_HAS_JOURNAL = 0x0004;
    /** What ext3 understands (FILETYPE, RECOVER, META_BG); any other incompat feature is ext4's. */
    private static final int EXT3_INCOMPAT_SUPPORTED = 0x0002 | 0x0004 | 0x0010;
    /** What ext3 understands (SPARSE_SUPER, LARGE_FILE, BTREE_DIR); any other ro_compat feature is ext4's. */
    private static final int EXT3_RO_COMPAT_SUPPORTED = 0x0001 | 0x0002 | 0x0004;

    // ZFS: OpenZFS include/sys/vdev_impl.h, vdev_label_t: 8 KiB pad, 8 KiB boot environment, 112 KiB
    // nvlist, then the 128 KiB uberblock ring in slots of 2^max(ashift, 10) bytes; labels L0 and L1
    // are the first two 256 KiB of the device. UBERBLOCK_MAGIC (include/sys/uberblock_impl.h) is the
    // slot's first u64, in the byte order of the host that wrote it.
    private static final int ZFS_LABEL_BYTES = 256 << 10;
    private static final int ZFS_UBERBLOCK_RING_OFFSET = 128 << 10;
    private static final int ZFS_UBERBLOCK_SLOT_BYTES = 1 << 10;
    private static final int ZFS_UBERBLOCK_SLOTS = 128;
    private static final long ZFS_UBERBLOCK_MAGIC = 0x00bab10cL;

    /** Every row, in the order they are tried. */
    static final List<KnownSignature> TABLE = table();

    static {
        assert ZFS_UBERBLOCK_RING_OFFSET + ZFS_UBERBLOCK_SLOTS * ZFS_UBERBLOCK_SLOT_BYTES == ZFS_LABEL_BYTES;
        for (KnownSignature row : TABLE) {
            assert row.offsetBytes + row.pattern.length <= ExistingContent.SCANNED_BYTES : row.magicName;
        }
    }

    private static List<KnownSignature> table() {
        List<KnownSignature> rows = new ArrayList<>();
        // csum: docs/FORMAT.md §3, Superblock.MAGIC. Only a damaged volume gets this far: ExistingContent
        // names a volume with a valid primary or backup superblock by its UUID first.
        rows.add(row("a csum volume whose superblocks do not validate", "superblock magic \"CSUMVOL\\x1A\"", 0,
                pattern("CSUMVOL", 0x1A)));
        // LUKS1 On-Disk Format Specification 1.2.3 (partition header, phdr): magic at byte 0, then a
        // big-endian u16 version. LUKS2 On-Disk Format Specification (binary header): the same magic and
        // version 2, and a secondary header "SKUL" 0xBA 0xBE at the header size, one of 16 KiB ... 4 MiB
        // (cryptsetup lib/luks2/luks2.h, LUKS2_HDR2_OFFSETS); those past the first MiB are left to the
        // non-zero scan (a wiped primary binary header leaves its JSON text, from byte 4096).
        rows.add(row("a LUKS1 encrypted volume", "header magic \"LUKS\\xBA\\xBE\" version 1", 0,
                pattern("LUKS", 0xBA, 0xBE, 0x00, 0x01)));
        rows.add(row("a LUKS2 encrypted volume", "header magic \"LUKS\\xBA\\xBE\" version 2", 0,
                pattern("LUKS", 0xBA, 0xBE, 0x00, 0x02)));
        for (long offset = 16 << 10; offset < ExistingContent.SCANNED_BYTES; offset *= 2) {
            rows.add(row("a LUKS2 encrypted volume", "secondary header magic \"SKUL\\xBA\\xBE\" version 2", offset,
                    pattern("SKUL", 0xBA, 0xBE, 0x00, 0x02)));
        }
        // dm-integrity: Linux drivers/md/dm-integrity.c, struct superblock in sector 0, magic[8] = SB_MAGIC "integrt".
        rows.add(row("a dm-integrity device", "superblock magic \"integrt\"", 0, pattern("integrt", 0x00)));
        // XFS: Linux fs/xfs/libxfs/xfs_format.h, XFS_SB_MAGIC 0x58465342 "XFSB", big-endian, first field
        // of the primary superblock in sector 0.
        rows.add(row("an XFS file system", "superblock magic \"XFSB\"", 0, pattern("XFSB")));
        // LVM2: lvm2 lib/label/label.h, struct label_header in one of the first LABEL_SCAN_SECTORS (4)
        // 512-byte sectors: id "LABELONE", sector u64, crc u32, offset u32, then type "LVM2 001"
        // (lib/format_text/layout.h, LVM2_LABEL) at byte 24.
        for (int sector = 0; sector < 4; sector++) {
            rows.add(row("an LVM2 physical volume", "label \"LABELONE\" type \"LVM2 001\"", sector * 512L,
                    pattern("LABELONE", skip(16), "LVM2 001")));
        }
        // ext2/3/4: s_magic of struct ext4_super_block (the EXT_ constants above); the feature words name the variant.
        rows.add(new KnownSignature("superblock magic 0xEF53", EXT_MAGIC_OFFSET, pattern(0x53, 0xEF), KnownSignature::extVariant));
        // btrfs: Linux fs/btrfs/disk-io.h BTRFS_SUPER_INFO_OFFSET (64 KiB); include/uapi/linux/btrfs_tree.h
        // BTRFS_MAGIC "_BHRfS_M" at byte 64 of struct btrfs_super_block (after csum[32], fsid[16], bytenr, flags).
        rows.add(row("a btrfs file system", "superblock magic \"_BHRfS_M\"", (64 << 10) + 64, pattern("_BHRfS_M")));
        // Swap: Linux include/linux/swap.h, union swap_header: magic[10] ends the first page; mkswap
        // uses the host's page size (4 KiB on x86, up to 64 KiB on arm64 and ppc64).
        for (int pageBytes : new int[] {4 << 10, 8 << 10, 16 << 10, 64 << 10}) {
            rows.add(row("a Linux swap area", "signature \"SWAPSPACE2\"", pageBytes - 10, pattern("SWAPSPACE2")));
        }
        for (int label = 0; label < 2; label++) {
            for (int slot = 0; slot < ZFS_UBERBLOCK_SLOTS; slot++) {
                long offset = (long) label * ZFS_LABEL_BYTES + ZFS_UBERBLOCK_RING_OFFSET + (long) slot * ZFS_UBERBLOCK_SLOT_BYTES;
                rows.add(row("a ZFS pool member", "little-endian uberblock magic 0x00bab10c", offset,
                        u64(ZFS_UBERBLOCK_MAGIC, ByteOrder.LITTLE_ENDIAN)));
                rows.add(row("a ZFS pool member", "big-endian uberblock magic 0x00bab10c", offset,
                        u64(ZFS_UBERBLOCK_MAGIC, ByteOrder.BIG_ENDIAN)));
            }
        }
        // GPT: UEFI Specification 2.10, §5.3.2 (GPT header): Signature "EFI PART" at the start of LBA 1,
        // byte 512 with 512-byte logical blocks, 4096 with 4 KiB ones.
        rows.add(row("a GPT partition table", "header signature \"EFI PART\"", 512, pattern("EFI PART")));
        rows.add(row("a GPT partition table", "header signature \"EFI PART\"", 4096, pattern("EFI PART")));
        // MBR: UEFI Specification 2.10, §5.2.1 (legacy MBR): Signature 0xAA55, little-endian, at byte 510.
        rows.add(row("an MBR (DOS) partition table or boot sector", "boot signature 0x55 0xAA", 510, pattern(0x55, 0xAA)));
        return List.copyOf(rows);
    }

    /**
     * What the first row matching {@code head} (the device's first bytes) says the device holds, e.g.
     * {@code an ext4 file system (superblock magic 0xEF53 at byte 1080)}; null when no row matches.
     */
    static String describe(MemorySegment head) {
        for (KnownSignature row : TABLE) {
            if (row.matches(head)) {
                return row.holds.apply(head) + " (" + row.magicName + " at byte " + row.offsetBytes + ")";
            }
        }
        return null;
    }

    boolean matches(MemorySegment head) {
        if (offsetBytes + pattern.length > head.byteSize()) {
            return false;
        }
        for (int i = 0; i < pattern.length; i++) {
            if (pattern[i] != ANY && pattern[i] != Byte.toUnsignedInt(head.get(ValueLayout.JAVA_BYTE, offsetBytes + i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * ext2, ext3 or ext4, told apart by feature words as blkid does: a feature ext3 does not know
     * makes it ext4 (extents, 64bit, flex_bg, metadata_csum, ...); else a journal makes it ext3.
     */
    private static String extVariant(MemorySegment head) {
        if (head.byteSize() < EXT_FEATURE_RO_COMPAT_OFFSET + Integer.BYTES) {
            return "an ext2, ext3 or ext4 file system";
        }
        int compat = head.get(U32_LE, EXT_FEATURE_COMPAT_OFFSET);
        int incompat = head.get(U32_LE, EXT_FEATURE_INCOMPAT_OFFSET);
        int readOnlyCompat = head.get(U32_LE, EXT_FEATURE_RO_COMPAT_OFFSET);
        if ((incompat & ~EXT3_INCOMPAT_SUPPORTED) != 0 || (readOnlyCompat & ~EXT3_RO_COMPAT_SUPPORTED) != 0) {
            return "an ext4 file system";
        }
        return (compat & EXT_COMPAT_HAS_JOURNAL) != 0 ? "an ext3 file system" : "an ext2 file system";
    }

    private static KnownSignature row(String holds, String magicName, long offsetBytes, int[] pattern) {
        return new KnownSignature(magicName, offsetBytes, pattern, head -> holds);
    }

    /** A run of {@code count} {@link #ANY} elements inside a {@link #pattern}. */
    private record Skip(int count) {
    }

    private static Skip skip(int count) {
        return new Skip(count);
    }

    /** Concatenates ASCII strings, single bytes (0 to 255) and {@link Skip}s into a pattern. */
    private static int[] pattern(Object... parts) {
        List<Integer> elements = new ArrayList<>();
        for (Object part : parts) {
            switch (part) {
                case String ascii -> {
                    for (byte b : ascii.getBytes(StandardCharsets.US_ASCII)) {
                        elements.add(Byte.toUnsignedInt(b));
                    }
                }
                case Integer oneByte when oneByte >= 0 && oneByte <= 0xFF -> elements.add(oneByte);
                case Skip skip -> {
                    for (int i = 0; i < skip.count; i++) {
                        elements.add(ANY);
                    }
                }
                default -> throw new IllegalArgumentException("not a pattern part: " + part);
            }
        }
        return elements.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] u64(long value, ByteOrder order) {
        byte[] bytes = new byte[Long.BYTES];
        MemorySegment.ofArray(bytes).set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order), 0, value);
        int[] pattern = new int[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            pattern[i] = Byte.toUnsignedInt(bytes[i]);
        }
        return pattern;
    }
}
