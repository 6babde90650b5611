package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Sparse image files holding another program's signature, each made by that program's own tool from
 * Debian 12 where one exists, and the words format's refusal must use for it. dm-integrity and ZFS
 * are crafted byte by byte (integritysetup format needs the kernel's device mapper, ZFS has no tool in
 * Debian main); a real tool then confirms the crafted bytes are recognised.
 */
public enum ForeignImage {
    EXT2("an ext2 file system (superblock magic 0xEF53 at byte 1080)", 16, tool("e2fsprogs", "", "mkfs.ext2", "-q", "-F")),
    EXT3("an ext3 file system (superblock magic 0xEF53 at byte 1080)", 16, tool("e2fsprogs", "", "mkfs.ext3", "-q", "-F")),
    EXT4("an ext4 file system (superblock magic 0xEF53 at byte 1080)", 16, tool("e2fsprogs", "", "mkfs.ext4", "-q", "-F")),
    /** mkfs.xfs refuses file systems under 300 MiB. */
    XFS("an XFS file system (superblock magic \"XFSB\" at byte 0)", 300, tool("xfsprogs", "", "mkfs.xfs", "-q", "-f")),
    /** mkfs.btrfs needs about 114 MiB for its default (single data, DUP metadata) profile. */
    BTRFS("a btrfs file system (superblock magic \"_BHRfS_M\" at byte 65600)", 128,
            tool("btrfs-progs", "", "mkfs.btrfs", "-q", "-f")),
    SWAP("a Linux swap area (signature \"SWAPSPACE2\" at byte 4086)", 16, tool("util-linux", "", "mkswap", "--pagesize", "4096")),
    /** As mkswap writes it on a host with 64 KiB pages (arm64, ppc64). */
    SWAP_64_KIB_PAGES("a Linux swap area (signature \"SWAPSPACE2\" at byte 65526)", 16,
            tool("util-linux", "", "mkswap", "--pagesize", "65536")),
    MBR("an MBR (DOS) partition table or boot sector (boot signature 0x55 0xAA at byte 510)", 16,
            tool("fdisk", "start=2048, type=83\n", "sfdisk", "--quiet", "--label", "dos")),
    GPT("a GPT partition table (header signature \"EFI PART\" at byte 512)", 16,
            tool("fdisk", "start=2048, type=L\n", "sfdisk", "--quiet", "--label", "gpt")),
    /** sfdisk on a loop device with 4 KiB logical blocks puts the GPT header at LBA 1 = byte 4096. */
    GPT_4_KIB_SECTORS("a GPT partition table (header signature \"EFI PART\" at byte 4096)", 16,
            file -> {
                try (LoopDevice loop = LoopDevice.attach(file, 4096)) {
                    Tools.run("fdisk", "start=256, type=L\n", "sfdisk", "--quiet", "--no-reread", "--label", "gpt", loop.path());
                }
            }),
    LUKS1("a LUKS1 encrypted volume (header magic \"LUKS\\xBA\\xBE\" version 1 at byte 0)", 16,
            file -> luksFormat(file, "luks1")),
    LUKS2("a LUKS2 encrypted volume (header magic \"LUKS\\xBA\\xBE\" version 2 at byte 0)", 32,
            file -> luksFormat(file, "luks2")),
    /** A LUKS2 header whose primary copy was wiped still has its secondary at 16 KiB (the default header size). */
    LUKS2_PRIMARY_HEADER_WIPED("a LUKS2 encrypted volume (secondary header magic \"SKUL\\xBA\\xBE\" version 2 at byte 16384)", 32,
            file -> {
                luksFormat(file, "luks2");
                overwrite(file, 0, new byte[4096]);
            }),
    /** pvcreate wants a block device: a loop device over the image. */
    LVM2("an LVM2 physical volume (label \"LABELONE\" type \"LVM2 001\" at byte 512)", 16,
            file -> {
                try (LoopDevice loop = LoopDevice.attach(file, 512)) {
                    Tools.run("lvm2", "", "pvcreate", "--yes", loop.path());
                }
            }),
    /** Crafted: integritysetup format activates a device-mapper target, and the machine these tests were written on has no dm_mod. */
    DM_INTEGRITY("a dm-integrity device (superblock magic \"integrt\" at byte 0)", 16, ForeignImage::craftDmIntegrity),
    /** Crafted: no ZFS tool in Debian main. blkid only probes ZFS on devices of 64 MiB or more. */
    ZFS("a ZFS pool member (little-endian uberblock magic 0x00bab10c at byte 131072)", 64,
            file -> craftZfs(file, ByteOrder.LITTLE_ENDIAN)),
    ZFS_BIG_ENDIAN("a ZFS pool member (big-endian uberblock magic 0x00bab10c at byte 131072)", 64,
            file -> craftZfs(file, ByteOrder.BIG_ENDIAN));

    /** What format's refusal says the image holds, after "holds ". */
    public final String holds;
    /** The image file's size, in MiB. */
    public final int sizeMebibytes;
    private final Maker maker;

    ForeignImage(String holds, int sizeMebibytes, Maker maker) {
        this.holds = holds;
        this.sizeMebibytes = sizeMebibytes;
        this.maker = maker;
    }

    /** Makes this image as {@code directory/name()}: a sparse file of {@link #sizeMebibytes}, then the tool. */
    public Path make(Path directory) throws Exception {
        Path file = sparseFile(directory.resolve(name().toLowerCase() + ".img"), (long) sizeMebibytes << 20);
        maker.make(file);
        return file;
    }

    /** Creates (or cuts or extends) {@code file} to {@code sizeBytes}, all holes where it was not written. */
    static Path sparseFile(Path file, long sizeBytes) throws IOException {
        try (RandomAccessFile image = new RandomAccessFile(file.toFile(), "rw")) {
            image.setLength(sizeBytes);
        }
        return file;
    }

    @FunctionalInterface
    private interface Maker {
        void make(Path file) throws Exception;
    }

    /** Runs {@code name args... file} from {@code debianPackage}, with {@code stdin}. */
    private static Maker tool(String debianPackage, String stdin, String name, String... args) {
        return file -> {
            String[] argsThenFile = Arrays.copyOf(args, args.length + 1);
            argsThenFile[args.length] = file.toString();
            Tools.run(debianPackage, stdin, name, argsThenFile);
        };
    }

    private static void luksFormat(Path file, String type) throws Exception {
        Path keyFile = file.resolveSibling(file.getFileName() + ".key");
        Files.writeString(keyFile, "not a secret");
        // pbkdf2 with 1000 iterations: the default argon2id benchmark would take seconds and 1 GiB.
        Tools.run("cryptsetup-bin", "", "cryptsetup", "luksFormat", "--batch-mode", "--type", type, "--key-file", keyFile.toString(),
                "--pbkdf", "pbkdf2", "--pbkdf-force-iterations", "1000", file.toString());
    }

    /**
     * Linux drivers/md/dm-integrity.c, struct superblock at byte 0: magic[8] "integrt\0", version u8,
     * log2_interleave_sectors u8, integrity_tag_size u16 LE, journal_sections u32 LE, provided_data_sectors
     * u64 LE, flags u32 LE, log2_sectors_per_block u8. Here: version 1, 4-byte tags (crc32c), 16 journal
     * sections, 30,000 data sectors.
     */
    private static void craftDmIntegrity(Path file) throws Exception {
        byte[] superblock = new byte[512];
        MemorySegment fields = MemorySegment.ofArray(superblock);
        byte[] magic = "integrt\0".getBytes(StandardCharsets.US_ASCII);
        MemorySegment.copy(MemorySegment.ofArray(magic), 0, fields, 0, magic.length);
        fields.set(ValueLayout.JAVA_BYTE, 8, (byte) 1);
        fields.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 10, (short) 4);
        fields.set(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 12, 16);
        fields.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 16, 30_000);
        overwrite(file, 0, superblock);
        String dump = Tools.run("cryptsetup-bin", "", "integritysetup", "dump", file.toString());
        assertTrue(dump.contains("integrity_tag_size 4") && dump.contains("provided_data_sectors 30000"),
                "integritysetup does not read the crafted superblock as intended: " + dump);
    }

    /**
     * OpenZFS include/sys/vdev_impl.h: label L0 is the first 256 KiB, its uberblock ring the second
     * 128 KiB of it, in 1 KiB slots (ashift 9 and 10; larger ashifts use fewer, larger slots). Each
     * uberblock starts with ub_magic 0x00bab10c then ub_version (5000: feature flags), as u64 in the
     * writer's byte order. Four are written, the number blkid wants before it says zfs_member.
     */
    private static void craftZfs(Path file, ByteOrder order) throws Exception {
        ValueLayout.OfLong u64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(order);
        for (int slot = 0; slot < 4; slot++) {
            byte[] uberblock = new byte[1024];
            MemorySegment.ofArray(uberblock).set(u64, 0, 0x00bab10cL);
            MemorySegment.ofArray(uberblock).set(u64, 8, 5000);
            overwrite(file, (128 << 10) + slot * 1024L, uberblock);
        }
        String type = Tools.run("util-linux", "", "blkid", "--probe", "--output", "value", "--match-tag", "TYPE", file.toString());
        assertEquals("zfs_member", type.strip(), "blkid does not see the crafted uberblocks");
    }

    static void overwrite(Path file, long offsetBytes, byte[] bytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            VolumeFiles.write(channel, offsetBytes, MemorySegment.ofArray(bytes));
        }
    }
}
