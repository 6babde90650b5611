package com.example.embedding;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.csum.FormatOptions;
import dev.csum.IntegrityException;
import dev.csum.Volume;
import dev.csum.VolumeInfo;
import dev.csum.VolumeOptions;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What an application embedding csum does, through the installed artifact and its public API only. */
class EmbeddingTest {
    @TempDir
    Path directory;

    @Test
    void heapArraysHeapBuffersAndNativeSegmentsRoundTripAndCorruptionIsCaught() throws Exception {
        Path data = directory.resolve("volume");
        VolumeInfo info = Volume.format(FormatOptions.of(data).withSizeBytes(16L << 20));
        assertEquals(4096, info.blockSizeBytes());

        byte[] array = new byte[8192];
        Arrays.fill(array, (byte) 1);
        ByteBuffer heapBuffer = ByteBuffer.allocate(4096);
        Arrays.fill(heapBuffer.array(), (byte) 2);
        Volume volume = Volume.open(VolumeOptions.of(data));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(4096).fill((byte) 3);
            volume.writeBlocking(0, array, 0, array.length);
            volume.writeBlocking(8192, heapBuffer);
            volume.writeBlocking(12288, segment);
            volume.flushBlocking();

            byte[] back = new byte[16384];
            volume.readBlocking(0, back, 0, back.length);
            for (int i = 0; i < back.length; i++) {
                assertEquals(i < 8192 ? 1 : i < 12288 ? 2 : 3, back[i], "byte " + i);
            }
            ByteBuffer readBuffer = ByteBuffer.allocate(4096);
            volume.readBlocking(8192, readBuffer);
            assertFalse(readBuffer.hasRemaining(), "a heap ByteBuffer read fills it");
            MemorySegment readSegment = arena.allocate(4096);
            volume.readBlocking(12288, readSegment);
            assertArrayEquals(segment.toArray(ValueLayout.JAVA_BYTE), readSegment.toArray(ValueLayout.JAVA_BYTE));
        } finally {
            volume.close();
            volume.close(); // idempotent, as Closeable and AsynchronousFileChannel are
        }

        // Flip one byte of block 1 behind the volume's back: the read names the block.
        try (RandomAccessFile file = new RandomAccessFile(data.toFile(), "rw")) {
            long offset = info.dataDeviceOffsetBytes(1) + 10;
            file.seek(offset);
            int value = file.read();
            file.seek(offset);
            file.write(value ^ 0x10);
        }
        try (Volume reopened = Volume.open(VolumeOptions.of(data).withReadOnly(true))) {
            IntegrityException mismatch = assertThrows(IntegrityException.class,
                () -> reopened.readBlocking(0, new byte[8192], 0, 8192));
            assertArrayEquals(new long[] {1}, mismatch.badBlocks());
        }
    }

    @Test
    void theLibraryBringsNeitherPicocliNorPrometheus() {
        String classPath = System.getProperty("java.class.path");
        for (String entry : classPath.split(java.io.File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            assertFalse(name.startsWith("picocli"), "picocli on the class path: " + entry);
            assertFalse(name.contains("prometheus"), "Prometheus on the class path: " + entry);
            assertFalse(name.startsWith("micrometer"), "micrometer is optional, not brought along: " + entry);
        }
        assertTrue(classPath.contains("csum-0.1.0-SNAPSHOT.jar"), "the installed artifact is used: " + classPath);
    }
}
