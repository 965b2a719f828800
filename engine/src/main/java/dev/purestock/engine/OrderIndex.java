package dev.purestock.engine;

/**
 * Maps order ids to rows of {@link OrderColumns} without ever rehashing the whole index: extendible hashing
 * over fixed-size open-addressing segments. The top bits of an id's hash pick a directory entry, which names
 * the segment holding the id; inside a segment, the low bits pick the first slot of a linear probe.
 *
 * <p>A segment that reaches {@link #SPLIT_LOAD} of its slots splits in two by the next bit of the hash: one
 * new segment is allocated and half the entries move to it, and when that segment was as deep as the
 * directory, the directory (one reference per entry) doubles first. Growth therefore costs one segment's
 * worth of work and one segment's worth of memory however large the index is, instead of a rehash of every
 * entry into a table twice the size; the price is a directory lookup per access. Segments sit between a
 * third and two thirds full, as one large table at the same load factor would, and a slot is an id and its
 * row side by side in one {@code long} array (16 bytes), so a probe reads one cache line for four slots:
 * about 33 bytes per order in all.
 *
 * <p>A capacity hint creates enough segments up front that the expected number of orders never splits one,
 * so a sized index allocates nothing while it fills.
 *
 * <p>{@link #remove} deletes by backward shift: the entries after the removed one in its probe run move back
 * into the gap wherever their own probe allows it, so no tombstone is left and a lookup still stops at the
 * first empty slot. Segments never merge, and a segment splits only when its own live entries reach the split
 * load: an index that churns (ids added and removed at the same rate) keeps the segments its largest size
 * needed and allocates nothing, except that a segment which sat close to its split load may still split once
 * as new ids land unevenly (likely only with tiny segments; a segment of 8,192 slots varies by about 1 % of its
 * load). An index sized for its live ids (a capacity hint) starts at half load and never splits under churn.
 * Not thread-safe: the decision thread owns it.
 */
final class OrderIndex {
    /** What {@link #get} and {@link #putIfAbsent} answer for an id with no row. */
    static final int NO_ROW = -1;
    /** Slots per segment, as a power of two: 8,192 slots, 128 KiB. */
    static final int DEFAULT_SEGMENT_SHIFT = 13;
    /** The share of a segment's slots that, when reached, splits it. */
    static final float SPLIT_LOAD = 0.65f;
    private static final int PRESIZED_LOAD_PERCENT = 50;

    private final int segmentSlots;
    private final int splitAt;
    private final long[] scratchKeys;
    private final int[] scratchRows;
    private Segment[] directory;
    private int globalDepth;
    private int size;

    /** An index for about {@code expectedOrders} orders in segments of {@code 1 << segmentShift} slots. */
    OrderIndex(int expectedOrders, int segmentShift) {
        if (segmentShift < 2 || segmentShift > 24) {
            throw new IllegalArgumentException("segment shift must be within 2..24, was " + segmentShift);
        }
        segmentSlots = 1 << segmentShift;
        splitAt = (int) (segmentSlots * SPLIT_LOAD);
        scratchKeys = new long[segmentSlots];
        scratchRows = new int[segmentSlots];
        globalDepth = depthFor(expectedOrders, segmentSlots);
        directory = new Segment[1 << globalDepth];
        for (int i = 0; i < directory.length; i++) {
            directory[i] = new Segment(segmentSlots, globalDepth);
        }
    }

    /** The directory depth whose segments hold {@code expected} entries at about half load. */
    static int depthFor(long expected, int segmentSlots) {
        long perSegment = (long) segmentSlots * PRESIZED_LOAD_PERCENT / 100;
        int depth = 0;
        while ((perSegment << depth) < expected && depth < 30) {
            depth++;
        }
        return depth;
    }

    /** The row of {@code orderId}, or {@link #NO_ROW}. */
    int get(long orderId) {
        long hash = mix(orderId);
        long[] entries = directory[directoryIndex(hash, globalDepth)].entries;
        int mask = segmentSlots - 1;
        for (int slot = (int) hash & mask; ; slot = (slot + 1) & mask) {
            long stored = entries[2 * slot + 1];
            if (stored == 0) {
                return NO_ROW;
            }
            if (entries[2 * slot] == orderId) {
                return (int) stored - 1;
            }
        }
    }

    /** Maps {@code orderId} to {@code row} unless it has a row already; answers that row or {@link #NO_ROW}. */
    int putIfAbsent(long orderId, int row) {
        if (row < 0 || row == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("row must be within 0.." + (Integer.MAX_VALUE - 1) + ", was " + row);
        }
        long hash = mix(orderId);
        int mask = segmentSlots - 1;
        while (true) {
            Segment segment = directory[directoryIndex(hash, globalDepth)];
            long[] entries = segment.entries;
            int slot = (int) hash & mask;
            for (; entries[2 * slot + 1] != 0; slot = (slot + 1) & mask) {
                if (entries[2 * slot] == orderId) {
                    return (int) entries[2 * slot + 1] - 1;
                }
            }
            if (segment.size < splitAt) {
                entries[2 * slot] = orderId;
                entries[2 * slot + 1] = row + 1;
                segment.size++;
                size++;
                return NO_ROW;
            }
            split(segment);
        }
    }

    /**
     * Removes {@code orderId}.
     *
     * @return the row it had, or {@link #NO_ROW} when it had none
     */
    int remove(long orderId) {
        long hash = mix(orderId);
        Segment segment = directory[directoryIndex(hash, globalDepth)];
        long[] entries = segment.entries;
        int mask = segmentSlots - 1;
        int slot = (int) hash & mask;
        while (entries[2 * slot] != orderId || entries[2 * slot + 1] == 0) {
            if (entries[2 * slot + 1] == 0) {
                return NO_ROW;
            }
            slot = (slot + 1) & mask;
        }
        int row = (int) entries[2 * slot + 1] - 1;
        int gap = slot;
        for (int next = (gap + 1) & mask; entries[2 * next + 1] != 0; next = (next + 1) & mask) {
            int home = (int) mix(entries[2 * next]) & mask;
            if (((next - home) & mask) >= ((next - gap) & mask)) {
                entries[2 * gap] = entries[2 * next];
                entries[2 * gap + 1] = entries[2 * next + 1];
                gap = next;
            }
        }
        entries[2 * gap] = 0;
        entries[2 * gap + 1] = 0;
        segment.size--;
        size--;
        return row;
    }

    /** How many ids have a row. */
    int size() {
        return size;
    }

    /** How many segments the index holds (each {@code segmentSlots} slots). */
    int segments() {
        int count = 0;
        for (int i = 0; i < directory.length; i++) {
            if (i == 0 || directory[i] != directory[i - 1]) {
                count++;
            }
        }
        return count;
    }

    private void split(Segment segment) {
        if (segment.depth == globalDepth) {
            if (globalDepth == 30) {
                throw new IllegalStateException("the order index is full at " + size + " orders");
            }
            Segment[] doubled = new Segment[directory.length * 2];
            for (int i = 0; i < directory.length; i++) {
                doubled[2 * i] = directory[i];
                doubled[2 * i + 1] = directory[i];
            }
            directory = doubled;
            globalDepth++;
        }
        int oldDepth = segment.depth;
        Segment upper = new Segment(segmentSlots, oldDepth + 1);
        segment.depth = oldDepth + 1;
        int count = 0;
        for (int slot = 0; slot < segmentSlots; slot++) {
            if (segment.entries[2 * slot + 1] != 0) {
                scratchKeys[count] = segment.entries[2 * slot];
                scratchRows[count] = (int) segment.entries[2 * slot + 1];
                count++;
                segment.entries[2 * slot + 1] = 0;
            }
        }
        segment.size = 0;
        for (int i = 0; i < count; i++) {
            long hash = mix(scratchKeys[i]);
            Segment target = splitBit(hash, oldDepth) == 0 ? segment : upper;
            target.insertFresh(scratchKeys[i], scratchRows[i], (int) hash & (segmentSlots - 1));
        }
        int span = 1 << (globalDepth - oldDepth);
        int first = directoryIndex(mix(scratchKeys[0]), oldDepth) << (globalDepth - oldDepth);
        for (int i = first + span / 2; i < first + span; i++) {
            directory[i] = upper;
        }
    }

    /** The directory entry of {@code hash} at {@code depth}: its top {@code depth} bits (0 at depth 0). */
    static int directoryIndex(long hash, int depth) {
        return (int) ((hash >>> 1) >>> (63 - depth));
    }

    /** The bit of {@code hash} that splits a segment of {@code depth}: the one below its prefix. */
    static int splitBit(long hash, int depth) {
        return (int) (hash >>> (63 - depth)) & 1;
    }

    /** The MurmurHash3 finaliser: every bit of the id moves both the top bits and the low bits. */
    static long mix(long key) {
        long h = key;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * One open-addressing segment: slot {@code s} is the id at {@code entries[2s]} and its row plus one at
     * {@code entries[2s + 1]}, so {@code 0} there marks an empty slot.
     */
    private static final class Segment {
        final long[] entries;
        int depth;
        int size;

        Segment(int slots, int depth) {
            entries = new long[2 * slots];
            this.depth = depth;
        }

        void insertFresh(long key, int storedRow, int firstSlot) {
            int mask = entries.length / 2 - 1;
            int slot = firstSlot;
            while (entries[2 * slot + 1] != 0) {
                slot = (slot + 1) & mask;
            }
            entries[2 * slot] = key;
            entries[2 * slot + 1] = storedRow;
            size++;
        }
    }
}
