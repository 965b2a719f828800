package dev.purestock.engine;

import org.agrona.collections.LongLongConsumer;

import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A map from {@code long} keys to {@code long} values that grows without ever rehashing the whole map:
 * extendible hashing over fixed-size open-addressing segments. The store keeps its large tables in it (order id
 * to row, customer counts, products with their stock positions, stock movements), so a table that outgrows its
 * capacity hint costs the decision thread one segment's worth of work, never a copy of every entry into a table
 * twice the size.
 *
 * <p>The top bits of a key's hash pick a directory entry, which names the segment holding the key; inside a
 * segment, a linear probe starts at the key's home. A slot is a key and its value side by side in one
 * {@code long} array (16 bytes), so a probe reads one cache line for four slots. A slot whose value is the
 * map's {@link #missingValue} is empty, which is why that value can never be stored.
 *
 * <p>The hash is of the key's <em>run</em>, the {@value #RUN_KEYS} consecutive keys that differ only in their
 * lowest bits ({@link #hash}), and a key's home is its run's home plus its place in the run ({@link #home}).
 * Keys handed out by a counter, as most services number their orders, therefore land side by side, eight to a
 * 128-byte block (three cache lines as a rule: a {@code long} array's elements start 16 bytes in), and a new
 * order's check and insert find the line its predecessor brought in; so do a sku's
 * product and its warehouses ({@code sku << 17}, {@code sku << 17 | warehouse + 1}). Keys with no such order fall
 * on random homes, as with any hash. Keys chosen to collide (all at one place of their runs, say) make runs of
 * eight slots probed together, which linear probing handles as buckets.
 *
 * <p>A segment that reaches {@link #SPLIT_LOAD} of its slots splits in two by the next bit of the hash: one new
 * segment is allocated and half the entries move to it, and when that segment was as deep as the directory,
 * the directory (one reference per entry) doubles first. Growth therefore costs one segment's worth of work and
 * memory however large the map is; the price is a directory lookup per access. Segments sit between a third
 * and two thirds full, as one large table at the same load factor would: about 33 bytes per entry in all.
 * A capacity hint creates enough segments up front that the expected number of entries never splits one, so
 * a sized map allocates nothing while it fills.
 *
 * <p>{@link #remove} deletes by backward shift: the entries after the removed one in its probe run move back
 * into the gap wherever their own home allows it, so no tombstone is left and a lookup still stops at the
 * first empty slot. The shift reads every entry up to that empty slot and needs each one's home, but hashes
 * only once per run of keys it passes: a run's keys share a hash and lie side by side. Segments never merge,
 * and a segment splits only when its own live entries reach the split load: a map that churns (keys added and
 * removed at the same rate) keeps the segments its largest size needed and allocates nothing, except that a
 * segment which sat close to its split load may still split once as new keys land unevenly (likely only with
 * tiny segments; a segment of 8,192 slots varies by about 1 % of its load). A map sized for its live keys (a
 * capacity hint) starts at half load and never splits under churn.
 *
 * <p><b>Keys chosen to collide.</b> Callers pick order ids and customer ids, so the hash is seeded at random per map
 * ({@link #hash(long, long)}): ids computed to share a hash prefix in one process do not in another. And the
 * directory never doubles past {@value #SKEW_DEPTH} levels deeper than its segments' count needs
 * ({@link #depthLimit}): a segment whose keys crowd one hash prefix that far beyond the others takes entries past
 * its split load instead, and when it is full an insert is refused with an {@link IllegalStateException}, rather
 * than the directory doubling until memory runs out.
 *
 * <p><b>The key used last.</b> The map remembers the slot of the key it found or stored last, and a read or write of
 * that key again goes straight to it: the decision thread reads a command's keys while it decides it and writes the
 * same keys when it applies the events, and those writes probed a second time for what the read had just found
 * (docs/performance.md, "Fewer probes per purchase"). Likewise a read that finds its key absent remembers the empty
 * slot where its probe stopped, and an insert of that key goes straight there while nothing has been removed and no
 * segment split since (either could move the place the key belongs): a new order id, or a customer's first count of a
 * sku, is read while the command is decided and inserted when its events are applied (docs/performance.md, "The
 * decision stage's own writes, profiled").
 *
 * <p>Not thread-safe: the decision thread owns it.
 */
final class SegmentedLongMap {
    /** Slots per segment, as a power of two: 8,192 slots, 128 KiB. */
    static final int DEFAULT_SEGMENT_SHIFT = 13;
    /** The share of a segment's slots that, when reached, splits it. */
    static final float SPLIT_LOAD = 0.65f;
    /** Consecutive keys that share a home: {@value #RUN_KEYS} of them, 128 bytes of slots. */
    static final int RUN_SHIFT = 3;
    static final int RUN_KEYS = 1 << RUN_SHIFT;
    /**
     * The smallest segment, 32 slots: its split load (20 entries) holds more than two runs, so a full segment always
     * holds keys of several runs, which a split can part.
     */
    static final int MIN_SEGMENT_SHIFT = RUN_SHIFT + 2;
    private static final int PRESIZED_LOAD_PERCENT = 50;
    /** How many levels deeper than its segments' count needs the directory may grow for one crowded segment. */
    static final int SKEW_DEPTH = 8;
    private static final int MAX_DEPTH = 30;

    private final long missingValue;
    private final long seed;
    private final int segmentSlots;
    private final int splitAt;
    /** Where a split gathers a segment's entries; allocated at the first split, so a map that never splits has none. */
    private long[] scratchKeys;
    private long[] scratchValues;
    private Segment[] directory;
    /**
     * Where the key found or stored last lies: its segment's entries and the index of the key's cell there. The store
     * reads a key and then writes it (a purchase reads its stock position, its customer's count and its order id while
     * it is decided, and writes them when its events are applied), and the write finds the key here instead of
     * hashing and probing again. It is checked against the slot on every use and never cleared: a live key fills one
     * slot of the whole map, so an array that holds it live at that index is its segment's, whatever a removal's shift
     * or a split has moved since.
     */
    private long[] lastEntries;
    private int lastIndex;
    /**
     * Where the last {@link #get} that found its key absent stopped: the key's segment and the empty slot its probe
     * reached, every slot from the key's home to it holding another key. Inserts fill slots and never empty one, so
     * while the slot is still empty it is where an insert of the key would go; a removal (whose backward shift may
     * empty a slot earlier in the probe) and a split (which may move the key's place to another segment) forget it.
     * {@code null} when nothing is remembered.
     */
    private Segment absentSegment;
    private int absentSlot;
    private long absentKey;
    private int globalDepth;
    private int segmentCount;
    private int size;

    /**
     * A map for about {@code expectedEntries} entries in segments of {@code 8,192} slots, answering
     * {@code missingValue} for a key it does not hold.
     */
    SegmentedLongMap(long missingValue, int expectedEntries) {
        this(missingValue, expectedEntries, DEFAULT_SEGMENT_SHIFT);
    }

    /**
     * A map for about {@code expectedEntries} entries in segments of {@code 1 << segmentShift} slots, answering
     * {@code missingValue} for a key it does not hold.
     */
    SegmentedLongMap(long missingValue, int expectedEntries, int segmentShift) {
        this(missingValue, expectedEntries, segmentShift, ThreadLocalRandom.current().nextLong());
    }

    /** As {@link #SegmentedLongMap(long, int, int)}, hashing with {@code seed}: for tests that need one layout. */
    SegmentedLongMap(long missingValue, int expectedEntries, int segmentShift, long seed) {
        if (segmentShift < MIN_SEGMENT_SHIFT || segmentShift > 24) {
            throw new IllegalArgumentException("segment shift must be within " + MIN_SEGMENT_SHIFT + "..24, was "
                    + segmentShift);
        }
        this.missingValue = missingValue;
        this.seed = seed;
        segmentSlots = 1 << segmentShift;
        splitAt = (int) (segmentSlots * SPLIT_LOAD);
        globalDepth = depthFor(expectedEntries, segmentSlots);
        directory = new Segment[1 << globalDepth];
        for (int i = 0; i < directory.length; i++) {
            directory[i] = newSegment(globalDepth);
        }
        segmentCount = directory.length;
        lastEntries = directory[0].entries;
    }

    /**
     * The bytes of the segments a map of default segments sized for {@code expectedEntries} allocates when it is made:
     * the arrays alone, a lower bound of what it holds.
     */
    static long presizedBytes(int expectedEntries) {
        long slots = 1L << DEFAULT_SEGMENT_SHIFT;
        return (1L << depthFor(expectedEntries, (int) slots)) * slots * 2 * Long.BYTES;
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

    /** The value of {@code key}, or {@link #missingValue}. */
    long get(long key) {
        if (isLast(key)) {
            return lastEntries[lastIndex + 1];
        }
        long hash = hash(key);
        Segment segment = directory[directoryIndex(hash, globalDepth)];
        long[] entries = segment.entries;
        int mask = segmentSlots - 1;
        for (int slot = home(hash, key, mask); ; slot = (slot + 1) & mask) {
            long stored = entries[2 * slot + 1];
            if (stored == missingValue) {
                absentSegment = segment;
                absentSlot = slot;
                absentKey = key;
                return missingValue;
            }
            if (entries[2 * slot] == key) {
                remember(entries, slot);
                return stored;
            }
        }
    }

    /**
     * The value of {@code key}, or {@link #missingValue}, as {@link #get} gives it, for reading ahead
     * ({@link WarmAhead}): it neither checks the key used last nor replaces it, so it costs no more instructions than
     * the probe (the fewer a read ahead takes, the more of them, and of their misses, are in flight at once) and leaves
     * the key that the command being decided uses remembered.
     */
    long getAhead(long key) {
        long hash = hash(key);
        long[] entries = directory[directoryIndex(hash, globalDepth)].entries;
        int mask = segmentSlots - 1;
        for (int slot = home(hash, key, mask); ; slot = (slot + 1) & mask) {
            long stored = entries[2 * slot + 1];
            if (stored == missingValue) {
                return missingValue;
            }
            if (entries[2 * slot] == key) {
                return stored;
            }
        }
    }

    /** Whether {@code key} is the key found or stored last, still live where it was ({@link #lastEntries}). */
    private boolean isLast(long key) {
        long[] entries = lastEntries;
        int index = lastIndex;
        return entries[index] == key && entries[index + 1] != missingValue;
    }

    private void remember(long[] entries, int slot) {
        lastEntries = entries;
        lastIndex = 2 * slot;
    }

    /**
     * Maps {@code key} to {@code value}.
     *
     * @return the value it had, or {@link #missingValue}
     * @throws IllegalArgumentException when {@code value} is the missing value
     */
    long put(long key, long value) {
        return insert(key, value, true);
    }

    /**
     * Maps {@code key} to {@code value} unless it has a value already.
     *
     * @return the value it had (and keeps), or {@link #missingValue} when it had none
     * @throws IllegalArgumentException when {@code value} is the missing value
     */
    long putIfAbsent(long key, long value) {
        return insert(key, value, false);
    }

    private long insert(long key, long value, boolean replace) {
        if (value == missingValue) {
            throw new IllegalArgumentException("the value " + value + " marks an absent key and cannot be stored");
        }
        if (isLast(key)) {
            long had = lastEntries[lastIndex + 1];
            if (replace) {
                lastEntries[lastIndex + 1] = value;
            }
            return had;
        }
        if (absentSegment != null && absentKey == key && insertWhereAbsent(key, value)) {
            return missingValue;
        }
        long hash = hash(key);
        int mask = segmentSlots - 1;
        while (true) {
            Segment segment = directory[directoryIndex(hash, globalDepth)];
            long[] entries = segment.entries;
            int slot = home(hash, key, mask);
            for (; entries[2 * slot + 1] != missingValue; slot = (slot + 1) & mask) {
                if (entries[2 * slot] == key) {
                    long had = entries[2 * slot + 1];
                    if (replace) {
                        entries[2 * slot + 1] = value;
                    }
                    remember(entries, slot);
                    return had;
                }
            }
            boolean mayGrow = segment.size < splitAt || segment.depth < globalDepth
                    || globalDepth < depthLimit(segmentCount);
            if (segment.size < splitAt || !mayGrow && segment.size < segmentSlots - 1) {
                store(segment, slot, key, value);
                return missingValue;
            }
            if (!mayGrow) {
                throw new IllegalStateException("cannot store key " + key + ": its segment of " + segmentSlots
                        + " slots is full of keys that crowd one hash prefix " + globalDepth + " bits long, "
                        + SKEW_DEPTH + " bits deeper than a map of " + segmentCount + " segments needs");
            }
            split(segment);
        }
    }

    /**
     * Inserts {@code key}, which the last {@link #get} found absent, in the empty slot where that read stopped, when
     * the slot is still empty and its segment below its split load: where the probe of {@link #insert} would put it,
     * without hashing and probing again.
     *
     * @return whether it did; when not, the caller inserts it the long way
     */
    private boolean insertWhereAbsent(long key, long value) {
        Segment segment = absentSegment;
        long[] entries = segment.entries;
        int slot = absentSlot;
        absentSegment = null;
        if (entries[2 * slot + 1] != missingValue || segment.size >= splitAt) {
            return false;
        }
        store(segment, slot, key, value);
        return true;
    }

    /** Stores {@code key} and {@code value} in the empty {@code slot} of {@code segment}, and remembers it. */
    private void store(Segment segment, int slot, long key, long value) {
        long[] entries = segment.entries;
        entries[2 * slot] = key;
        entries[2 * slot + 1] = value;
        segment.size++;
        size++;
        remember(entries, slot);
    }

    /**
     * How deep the directory may grow: {@value #SKEW_DEPTH} levels past what {@code segments} evenly filled
     * segments need, and never past {@value #MAX_DEPTH}.
     */
    static int depthLimit(int segments) {
        int needed = 32 - Integer.numberOfLeadingZeros(Math.max(1, segments) - 1);
        return Math.min(MAX_DEPTH, needed + SKEW_DEPTH);
    }

    /**
     * Removes {@code key}.
     *
     * @return the value it had, or {@link #missingValue} when it had none
     */
    long remove(long key) {
        long hash = hash(key);
        Segment segment = directory[directoryIndex(hash, globalDepth)];
        long[] entries = segment.entries;
        int mask = segmentSlots - 1;
        int slot = home(hash, key, mask);
        while (entries[2 * slot] != key || entries[2 * slot + 1] == missingValue) {
            if (entries[2 * slot + 1] == missingValue) {
                return missingValue;
            }
            slot = (slot + 1) & mask;
        }
        long had = entries[2 * slot + 1];
        absentSegment = null;
        int gap = slot;
        // the keys of a run share its hash and lie side by side (the removed key's later run-mates first, a counter's
        // next ids): the shift hashes each run it passes once, at the first of its keys it reads, not every key
        long run = key;
        long runHash = hash;
        for (int next = (gap + 1) & mask; entries[2 * next + 1] != missingValue; next = (next + 1) & mask) {
            long moving = entries[2 * next];
            if (!sameRun(moving, run)) {
                run = moving;
                runHash = hash(moving);
            }
            int home = home(runHash, moving, mask);
            if (((next - home) & mask) >= ((next - gap) & mask)) {
                entries[2 * gap] = moving;
                entries[2 * gap + 1] = entries[2 * next + 1];
                gap = next;
            }
        }
        entries[2 * gap] = 0;
        entries[2 * gap + 1] = missingValue;
        segment.size--;
        size--;
        return had;
    }

    /** How many keys have a value. */
    int size() {
        return size;
    }

    /** Visits every key and its value, in no particular order. The map must not change meanwhile. */
    void forEach(LongLongConsumer visitor) {
        for (int i = 0; i < directory.length; i++) {
            if (i > 0 && directory[i] == directory[i - 1]) {
                continue;
            }
            long[] entries = directory[i].entries;
            for (int slot = 0; slot < segmentSlots; slot++) {
                long value = entries[2 * slot + 1];
                if (value != missingValue) {
                    visitor.accept(entries[2 * slot], value);
                }
            }
        }
    }

    /** How many segments the map holds (each {@code segmentSlots} slots). */
    int segments() {
        return distinctSegments(directory);
    }

    /**
     * How many segments an extendible-hashing {@code directory} names: a segment's entries are one contiguous
     * range of it, so each run of equal references is one segment.
     */
    static int distinctSegments(Object[] directory) {
        int count = 0;
        for (int i = 0; i < directory.length; i++) {
            if (i == 0 || directory[i] != directory[i - 1]) {
                count++;
            }
        }
        return count;
    }

    private Segment newSegment(int depth) {
        Segment segment = new Segment(segmentSlots, depth);
        if (missingValue != 0) {
            for (int slot = 0; slot < segmentSlots; slot++) {
                segment.entries[2 * slot + 1] = missingValue;
            }
        }
        return segment;
    }

    private void split(Segment segment) {
        absentSegment = null;
        if (segment.depth == globalDepth) {
            Segment[] doubled = new Segment[directory.length * 2];
            for (int i = 0; i < directory.length; i++) {
                doubled[2 * i] = directory[i];
                doubled[2 * i + 1] = directory[i];
            }
            directory = doubled;
            globalDepth++;
        }
        if (scratchKeys == null) {
            scratchKeys = new long[segmentSlots];
            scratchValues = new long[segmentSlots];
        }
        int oldDepth = segment.depth;
        Segment upper = newSegment(oldDepth + 1);
        segmentCount++;
        segment.depth = oldDepth + 1;
        int count = 0;
        long[] entries = segment.entries;
        for (int slot = 0; slot < segmentSlots; slot++) {
            if (entries[2 * slot + 1] != missingValue) {
                scratchKeys[count] = entries[2 * slot];
                scratchValues[count] = entries[2 * slot + 1];
                count++;
            }
        }
        if (missingValue == 0) {
            Arrays.fill(entries, 0);
        } else {
            for (int slot = 0; slot < segmentSlots; slot++) {
                entries[2 * slot + 1] = missingValue;
            }
        }
        segment.size = 0;
        int mask = segmentSlots - 1;
        for (int i = 0; i < count; i++) {
            long key = scratchKeys[i];
            long hash = hash(key);
            Segment target = splitBit(hash, oldDepth) == 0 ? segment : upper;
            target.insertFresh(key, scratchValues[i], home(hash, key, mask), missingValue);
        }
        int span = 1 << (globalDepth - oldDepth);
        int first = directoryIndex(hash(scratchKeys[0]), oldDepth) << (globalDepth - oldDepth);
        for (int i = first + span / 2; i < first + span; i++) {
            directory[i] = upper;
        }
    }

    /** Whether {@code a} and {@code b} are of one run of {@value #RUN_KEYS} keys, which share a hash. */
    static boolean sameRun(long a, long b) {
        return a >>> RUN_SHIFT == b >>> RUN_SHIFT;
    }

    /** The hash in this map of {@code key}'s run of {@value #RUN_KEYS} keys: it picks the segment and the home. */
    long hash(long key) {
        return hash(key, seed);
    }

    /**
     * The hash of {@code key}'s run of {@value #RUN_KEYS} consecutive keys under {@code seed}: every key of a run
     * has the same, so a run shares a segment and a home.
     */
    static long hash(long key, long seed) {
        return mix((key >>> RUN_SHIFT) ^ seed);
    }

    /**
     * The first slot probed for {@code key} of {@code hash} in a segment of {@code mask + 1} slots: its run's
     * home, {@value #RUN_KEYS} slots aligned, plus its place in the run.
     */
    static int home(long hash, long key, int mask) {
        return ((int) hash << RUN_SHIFT | (int) key & (RUN_KEYS - 1)) & mask;
    }

    /** The directory entry of {@code hash} at {@code depth}: its top {@code depth} bits (0 at depth 0). */
    static int directoryIndex(long hash, int depth) {
        return (int) ((hash >>> 1) >>> (63 - depth));
    }

    /** The bit of {@code hash} that splits a segment of {@code depth}: the one below its prefix. */
    static int splitBit(long hash, int depth) {
        return (int) (hash >>> (63 - depth)) & 1;
    }

    /** The MurmurHash3 finaliser: every bit of the key moves both the top bits and the low bits. */
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
     * One open-addressing segment: slot {@code s} is the key at {@code entries[2s]} and its value at
     * {@code entries[2s + 1]}, the map's missing value there marking an empty slot.
     */
    private static final class Segment {
        final long[] entries;
        int depth;
        int size;

        Segment(int slots, int depth) {
            entries = new long[2 * slots];
            this.depth = depth;
        }

        void insertFresh(long key, long value, int firstSlot, long missingValue) {
            int mask = entries.length / 2 - 1;
            int slot = firstSlot;
            while (entries[2 * slot + 1] != missingValue) {
                slot = (slot + 1) & mask;
            }
            entries[2 * slot] = key;
            entries[2 * slot + 1] = value;
            size++;
        }
    }
}
