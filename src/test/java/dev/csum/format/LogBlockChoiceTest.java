package dev.csum.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Which log block format gives a new volume (FORMAT.md §3, {@code LOG_SECTORS}). */
class LogBlockChoiceTest {
    @Test
    void formatSetsLogSectorsOnlyForBlocksLargerThanASectorOnADeviceTakingSectorAlignedDirectIo() {
        int auto = LogBlockChoice.AUTO;
        assertEquals(Superblock.FLAG_LOG_SECTORS, LogBlockChoice.logSectorsFlag(4096, auto, 512));
        assertEquals(0, LogBlockChoice.logSectorsFlag(4096, auto, 4096), "a 4Kn device");
        assertEquals(0, LogBlockChoice.logSectorsFlag(4096, auto, 0), "alignment not known");
        assertEquals(0, LogBlockChoice.logSectorsFlag(512, auto, 512), "512-byte blocks: the same either way");
        assertEquals(0, LogBlockChoice.logSectorsFlag(4096, 4096, 512), "asked for log blocks of B");
        assertEquals(Superblock.FLAG_LOG_SECTORS, LogBlockChoice.logSectorsFlag(4096, 512, 512));
        assertEquals(Superblock.FLAG_LOG_SECTORS, LogBlockChoice.logSectorsFlag(4096, 512, 0), "not known: the open checks");
        assertEquals(0, LogBlockChoice.logSectorsFlag(512, 512, 512));
        assertEquals("log blocks of 512 bytes need 512-byte direct I/O; the metadata device needs 4096-byte alignment"
            + " (nothing written)", assertThrows(IllegalArgumentException.class,
                () -> LogBlockChoice.logSectorsFlag(4096, 512, 4096)).getMessage());
        assertEquals("log block size must be 512 or the block size (512), was 4096", assertThrows(
            IllegalArgumentException.class, () -> LogBlockChoice.logSectorsFlag(512, 4096, 512)).getMessage());
    }
}
