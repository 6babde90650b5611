package dev.csum.engine;

/**
 * The groups whose imd pair this engine has loaded since the volume was opened: a bitmap in pages of
 * 65,536 groups (8 KiB), each allocated the first time one of its groups is loaded, so memory follows
 * the part of the volume in use (at most one bit per group).
 *
 * <p>Event-loop only.
 */
final class LoadedGroups {
    private static final int PAGE_SHIFT = 16;
    private static final int PAGE_WORDS = (1 << PAGE_SHIFT) / Long.SIZE;

    private final long[][] pages;

    LoadedGroups(long groupCount) {
        if (groupCount < 0 || groupCount > (1L << 32)) {
            throw new IllegalArgumentException("group count out of range: " + groupCount);
        }
        pages = new long[(int) ((groupCount + (1L << PAGE_SHIFT) - 1) >>> PAGE_SHIFT)][];
    }

    boolean contains(long group) {
        long[] page = pages[(int) (group >>> PAGE_SHIFT)];
        return page != null && (page[wordIndex(group)] & (1L << group)) != 0;
    }

    void add(long group) {
        int pageIndex = (int) (group >>> PAGE_SHIFT);
        long[] page = pages[pageIndex];
        if (page == null) {
            page = new long[PAGE_WORDS];
            pages[pageIndex] = page;
        }
        page[wordIndex(group)] |= 1L << group;
    }

    private static int wordIndex(long group) {
        return (int) ((group & ((1L << PAGE_SHIFT) - 1)) >>> 6);
    }
}
