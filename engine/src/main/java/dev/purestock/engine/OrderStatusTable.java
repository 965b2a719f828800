package dev.purestock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * One shard's order statuses for the {@link ReadModel}: order id to a one-byte status code, with one writer
 * thread and any number of lock-free readers. No boxed key and no node per order: a slot is a {@code long}
 * key and a {@code byte} code, about 19 bytes per order in all.
 *
 * <p><b>Layout.</b> Extendible hashing, as in {@link OrderIndex}: the top bits of an id's hash pick a
 * directory entry naming a segment, an open-addressing table of fixed size probed linearly from the hash's
 * low bits. Code {@code 0} marks an empty slot, so valid codes are {@code 1..127}. Nothing is ever removed.
 *
 * <p><b>Why readers are safe.</b> The writer changes the table in only three ways.
 * <ol>
 *   <li><i>Insert</i> into an empty slot: the key is written plainly, then the code with a release store.
 *       A reader loads a slot's code with an acquire load and reads the key only when the code is non-zero,
 *       so it sees either an empty slot (the order is not there yet) or the whole entry. Inserting never
 *       moves another entry, so a probe in progress is never led astray.</li>
 *   <li><i>Update</i> of a stored order's code: one release store to that byte. A byte is never torn, and
 *       reads of one location never go back in time (coherence), so a reader sees codes in the order the
 *       writer wrote them.</li>
 *   <li><i>Split</i> of a full segment (the only time entries move): the writer fills a new segment with the
 *       entries whose next hash bit is 1 and publishes it in the directory with release stores (doubling the
 *       directory first, into a new array published through a volatile field, when needed); only then does it
 *       rebuild the old segment in place with the remaining entries, inside a seqlock: the segment's
 *       version is made odd before the rebuild and even after. A reader reads the version (acquire), probes,
 *       issues an acquire fence and reads the version again; if the version was odd or changed, or the
 *       segment no longer covers the id's hash prefix (it split after the reader found it in the directory),
 *       the reader starts again from the directory, which by then names the new segment. A moved entry is
 *       therefore always found in one of the two segments, with a code it had at the time.</li>
 * </ol>
 * Readers allocate nothing and take no lock; they only retry while a split of the very segment they probe
 * is in progress, which rewrites one segment (8,192 slots by default) and never the whole table.
 */
final class OrderStatusTable {
    /** The code {@link #status} answers for an id that has none. */
    static final byte ABSENT = 0;
    /** Slots per segment, as a power of two: 8,192 slots, 72 KiB. */
    static final int DEFAULT_SEGMENT_SHIFT = 13;
    private static final float SPLIT_LOAD = OrderIndex.SPLIT_LOAD;
    private static final VarHandle CODE = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(Segment[].class);

    private final int segmentSlots;
    private final int splitAt;
    private final long[] scratchKeys;
    private final byte[] scratchCodes;
    private volatile Segment[] directory;
    private int globalDepth;

    /** An empty table of one segment, which grows as orders arrive. */
    OrderStatusTable() {
        this(1, DEFAULT_SEGMENT_SHIFT);
    }

    /** A table for about {@code expectedOrders} orders in segments of {@code 1 << segmentShift} slots. */
    OrderStatusTable(int expectedOrders, int segmentShift) {
        if (segmentShift < 2 || segmentShift > 24) {
            throw new IllegalArgumentException("segment shift must be within 2..24, was " + segmentShift);
        }
        segmentSlots = 1 << segmentShift;
        splitAt = (int) (segmentSlots * SPLIT_LOAD);
        scratchKeys = new long[segmentSlots];
        scratchCodes = new byte[segmentSlots];
        globalDepth = OrderIndex.depthFor(expectedOrders, segmentSlots);
        Segment[] initial = new Segment[1 << globalDepth];
        for (int i = 0; i < initial.length; i++) {
            initial[i] = new Segment(segmentSlots, globalDepth, i);
        }
        directory = initial;
    }

    /** The code stored for {@code orderId}, or {@link #ABSENT}. Any thread. */
    byte status(long orderId) {
        long hash = OrderIndex.mix(orderId);
        int mask = segmentSlots - 1;
        while (true) {
            Segment[] current = directory;
            int depth = Integer.numberOfTrailingZeros(current.length);
            Segment segment = (Segment) ENTRY.getAcquire(current, OrderIndex.directoryIndex(hash, depth));
            int version = segment.version;
            if ((version & 1) == 0) {
                int segmentDepth = segment.depth;
                int prefix = segment.prefix;
                byte found = ABSENT;
                int slot = (int) hash & mask;
                for (int probes = 0; probes < segmentSlots; probes++, slot = (slot + 1) & mask) {
                    byte code = (byte) CODE.getAcquire(segment.codes, slot);
                    if (code == ABSENT) {
                        break;
                    }
                    if (segment.keys[slot] == orderId) {
                        found = code;
                        break;
                    }
                }
                VarHandle.acquireFence();
                if (segment.version == version && OrderIndex.directoryIndex(hash, segmentDepth) == prefix) {
                    return found;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Sets the code of {@code orderId}, adding it when absent. Only the table's writer thread may call this.
     *
     * @throws IllegalArgumentException when {@code code} is not within {@code 1..127}
     */
    void put(long orderId, byte code) {
        if (code <= ABSENT) {
            throw new IllegalArgumentException("status code must be within 1..127, was " + code);
        }
        long hash = OrderIndex.mix(orderId);
        int mask = segmentSlots - 1;
        while (true) {
            Segment segment = directory[OrderIndex.directoryIndex(hash, globalDepth)];
            int slot = (int) hash & mask;
            for (; segment.codes[slot] != ABSENT; slot = (slot + 1) & mask) {
                if (segment.keys[slot] == orderId) {
                    CODE.setRelease(segment.codes, slot, code);
                    return;
                }
            }
            if (segment.size < splitAt) {
                segment.keys[slot] = orderId;
                CODE.setRelease(segment.codes, slot, code);
                segment.size++;
                return;
            }
            split(segment);
        }
    }

    private void split(Segment segment) {
        Segment[] current = directory;
        if (segment.depth == globalDepth) {
            if (globalDepth == 30) {
                throw new IllegalStateException("the read model's order table is full");
            }
            Segment[] doubled = new Segment[current.length * 2];
            for (int i = 0; i < current.length; i++) {
                doubled[2 * i] = current[i];
                doubled[2 * i + 1] = current[i];
            }
            globalDepth++;
            directory = doubled;
            current = doubled;
        }
        int oldDepth = segment.depth;
        Segment upper = new Segment(segmentSlots, oldDepth + 1, segment.prefix << 1 | 1);
        int kept = 0;
        for (int slot = 0; slot < segmentSlots; slot++) {
            byte code = segment.codes[slot];
            if (code != ABSENT) {
                long key = segment.keys[slot];
                long hash = OrderIndex.mix(key);
                if (OrderIndex.splitBit(hash, oldDepth) == 1) {
                    upper.insertFresh(key, code, (int) hash & (segmentSlots - 1));
                } else {
                    scratchKeys[kept] = key;
                    scratchCodes[kept] = code;
                    kept++;
                }
            }
        }
        int span = 1 << (globalDepth - oldDepth);
        int first = segment.prefix << (globalDepth - oldDepth);
        for (int i = first + span / 2; i < first + span; i++) {
            ENTRY.setRelease(current, i, upper);
        }

        segment.version++;
        VarHandle.releaseFence();
        Arrays.fill(segment.codes, ABSENT);
        segment.size = 0;
        segment.depth = oldDepth + 1;
        segment.prefix = segment.prefix << 1;
        for (int i = 0; i < kept; i++) {
            long hash = OrderIndex.mix(scratchKeys[i]);
            segment.insertFresh(scratchKeys[i], scratchCodes[i], (int) hash & (segmentSlots - 1));
        }
        segment.version++;
    }

    /**
     * One open-addressing segment. {@code depth} and {@code prefix} say which hashes it holds: those whose
     * top {@code depth} bits are {@code prefix}. {@code version} is the seqlock of a split.
     */
    private static final class Segment {
        final long[] keys;
        final byte[] codes;
        volatile int version;
        int depth;
        int prefix;
        int size;

        Segment(int slots, int depth, int prefix) {
            keys = new long[slots];
            codes = new byte[slots];
            this.depth = depth;
            this.prefix = prefix;
        }

        void insertFresh(long key, byte code, int firstSlot) {
            int mask = codes.length - 1;
            int slot = firstSlot;
            while (codes[slot] != ABSENT) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            codes[slot] = code;
            size++;
        }
    }
}
