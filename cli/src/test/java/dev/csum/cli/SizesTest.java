package dev.csum.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SizesTest {
    @Test
    void plainBytesAndBinarySuffixes() {
        assertEquals(4096, Sizes.parseBytes("4096"));
        assertEquals(0, Sizes.parseBytes("0"));
        assertEquals(4096, Sizes.parseBytes("4k"));
        assertEquals(4096, Sizes.parseBytes("4K"));
        assertEquals(4096, Sizes.parseBytes("4KiB"));
        assertEquals(4096, Sizes.parseBytes("4kb"));
        assertEquals(128 * 1024, Sizes.parseBytes("128k"));
        assertEquals(1 << 20, Sizes.parseBytes("1m"));
        assertEquals(1 << 20, Sizes.parseBytes("1MiB"));
        assertEquals(64L << 30, Sizes.parseBytes("64g"));
        assertEquals(2L << 40, Sizes.parseBytes("2T"));
        assertEquals(512, Sizes.parseBytes("512B"));
        assertEquals(512, Sizes.parseBytes(" 512 "));
    }

    @Test
    void garbageSizesAreClearErrors() {
        assertMessage(() -> Sizes.parseBytes(""), "empty size");
        assertMessage(() -> Sizes.parseBytes("k"), "'k' is not a size");
        assertMessage(() -> Sizes.parseBytes("-4k"), "is not a size");
        assertMessage(() -> Sizes.parseBytes("4x"), "unknown size suffix 'x'");
        assertMessage(() -> Sizes.parseBytes("1.5k"), "unknown size suffix '.5k'");
        assertMessage(() -> Sizes.parseBytes("4 k"), "unknown size suffix");
        assertMessage(() -> Sizes.parseBytes("99999999999999999999"), "too large");
        assertMessage(() -> Sizes.parseBytes("9000000p"), "too large");
    }

    @Test
    void durations() {
        assertEquals(Duration.ofMillis(500), Sizes.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(5), Sizes.parseDuration("5s"));
        assertEquals(Duration.ofSeconds(5), Sizes.parseDuration("5"));
        assertEquals(Duration.ofMinutes(2), Sizes.parseDuration("2m"));
        assertEquals(Duration.ofHours(1), Sizes.parseDuration("1h"));
        assertMessage(() -> Sizes.parseDuration("fast"), "not a duration");
        assertMessage(() -> Sizes.parseDuration("5x"), "unknown duration unit 'x'");
        assertMessage(() -> Sizes.parseDuration("1.5s"), "unknown duration unit");
        assertMessage(() -> Sizes.parseDuration(""), "empty duration");
    }

    @Test
    void humanSizes() {
        assertEquals("512 B", Sizes.human(512));
        assertEquals("4 KiB", Sizes.human(4096));
        assertEquals("1.5 MiB", Sizes.human(3 << 19));
        assertEquals("64 GiB", Sizes.human(64L << 30));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String fragment) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, call);
        assertTrue(error.getMessage().contains(fragment), error.getMessage() + " lacks " + fragment);
    }
}
