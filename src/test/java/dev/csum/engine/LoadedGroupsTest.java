package dev.csum.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LoadedGroupsTest {

    @Test
    void remembersExactlyTheGroupsAddedAcrossPages() {
        long groupCount = 1L << 32; // the format's largest: group numbers are u32
        LoadedGroups groups = new LoadedGroups(groupCount);
        long[] added = {0, 63, 64, 65_535, 65_536, 1L << 31, groupCount - 1};
        for (long group : added) {
            assertFalse(groups.contains(group), "group " + group);
            groups.add(group);
        }
        for (long group : added) {
            assertTrue(groups.contains(group), "group " + group);
        }
        for (long neighbour : new long[] {1, 62, 65, 65_534, 65_537, (1L << 31) + 1, groupCount - 2}) {
            assertFalse(groups.contains(neighbour), "group " + neighbour);
        }
    }

    @Test
    void rejectsAGroupCountTheFormatCannotHold() {
        assertThrows(IllegalArgumentException.class, () -> new LoadedGroups((1L << 32) + 1));
        assertThrows(IllegalArgumentException.class, () -> new LoadedGroups(-1));
    }
}
