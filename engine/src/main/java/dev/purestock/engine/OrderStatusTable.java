package dev.purestock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * One shard's order statuses for the {@link ReadModel}: order id to a one-byte status code, with one writer
 * thread and any number of lock-free readers. No boxed key and no node per order: a slot is a {@code long}
 * key and a {@code byte} code, about 19 bytes per order in all. The same table, {@link #valued}, keeps a shard's
 * stock positions with their units, and, {@link #ofObjects as an object table}, its held commands (see below).
 *
 * <p><b>Valued tables.</b> A table made with {@link #valued} holds a {@code long} value beside each key instead of
 * a status code: the read model keeps its stock positions in one ({@link #putValue}, {@link #value}). Its slots
 * carry the code {@link #PRESENT} and the value in a third array (17 bytes a slot), and nothing is ever removed
 * from it, so a slot, once it holds a key, holds that key until a rebuild moves it. An insert writes the value,
 * then the key, then the code, each with a release store; an update is one release store of the value (a
 * {@code long} written and read through a {@link VarHandle} is never torn). A reader that has seen the code
 * (acquire) therefore sees the key and at least the value it was inserted with, and the value it reads is always
 * the value of that key: it never pairs a key with another key's value.
 *
 * <p><b>Object tables.</b> A table made with {@link #ofObjects} holds a reference beside each key instead of a
 * status code: the read model keeps a shard's held commands in one ({@link #putObject}, {@link #object}), with no
 * boxed key and no node per entry. Its slots carry the code {@link #PRESENT} and the object in a third array, and
 * entries are removed as from a table of status codes, leaving a tombstone. An insert writes the object, then the
 * key, then the code, each with a release store; replacing a key's object is one release store. A removal sets
 * the tombstone and clears the object inside the segment's seqlock (below), as a rebuild does: a reader that
 * overlaps it starts again, so it never pairs a key with the object of an entry that was removed and whose slot
 * another key took.
 *
 * <p><b>Layout.</b> Extendible hashing, as in {@link SegmentedLongMap}: the top bits of an id's hash pick a
 * directory entry naming a segment, an open-addressing table of fixed size probed linearly from the id's
 * home, where a counter's consecutive ids sit side by side. Code {@code 0} marks an empty slot and code
 * {@code -1} a tombstone (a removed entry), so valid codes are {@code 1..127}.
 *
 * <p><b>Removal.</b> A forgotten order's slot becomes a tombstone: its code is set to {@code -1} and nothing
 * moves, because moving entries back (as {@link SegmentedLongMap} does) would let a reader probing past the gap
 * miss an entry that moved behind it. Probes go on past tombstones; an insert takes the first tombstone on its
 * probe, so a table whose orders are added and removed at the same rate reuses its slots. When a segment's
 * entries and tombstones together reach {@link #SPLIT_LOAD} of its slots it is rebuilt: split in two when its
 * live entries alone fill most of that (at least {@link #SPLIT_LIVE_SHARE} of it), otherwise compacted in
 * place without its tombstones, which allocates nothing. So the table grows only when its live entries do.
 *
 * <p><b>Why readers are safe.</b> The writer changes the table in only these ways.
 * <ol>
 *   <li><i>Insert</i> into an empty slot or a tombstone: the key is written with a release store, then the
 *       code with a release store. A reader loads a slot's code with an acquire load and, when it is a status
 *       code, the key with an acquire load and then the code again; it takes the code only when both loads
 *       agree. So it never pairs the key of a new entry with the code of the slot's former, removed entry:
 *       having seen the new key, its second load sees at least the tombstone written before that key.
 *       Inserting never moves another entry, so a probe in progress is never led astray.</li>
 *   <li><i>Update</i> of a stored order's code: one release store to that byte. A byte is never torn, and
 *       reads of one location never go back in time (coherence), so a reader sees codes in the order the
 *       writer wrote them.</li>
 *   <li><i>Removal</i>: one release store of the tombstone code. An order that stays stored never has its
 *       slot taken or moved by a removal, and no empty slot ever appears inside a probe run, so a reader
 *       looking for a stored order always reaches it.</li>
 *   <li><i>Rebuild</i> of a full segment (the only time entries move). To split, the writer fills a new
 *       segment with the live entries whose next hash bit is 1 and publishes it in the directory with release
 *       stores (doubling the directory first, into a new array published through a volatile field, when
 *       needed); then, for a split as for a compaction, it rebuilds the old segment in place with the
 *       remaining live entries, inside a seqlock: the segment's version is made odd before the rebuild and
 *       even after. A reader reads the version (acquire), probes, issues an acquire fence and reads the version
 *       again; if the version was odd or changed, or the segment no longer covers the id's hash prefix (it
 *       split after the reader found it in the directory), the reader starts again from the directory, which
 *       by then names the new segment. A moved entry is therefore always found, with a code it had at the
 *       time.</li>
 * </ol>
 * Readers allocate nothing and take no lock; they only retry while a rebuild of the very segment they probe
 * is in progress, which rewrites one segment (8,192 slots by default) and never the whole table. A reader
 * asking for an order being removed at that moment gets its last status or "absent", either of which is
 * true of some moment of the call.
 */
final class OrderStatusTable {
    /** The code {@link #status} answers for an id that has none; also the code of an empty slot. */
    static final byte ABSENT = 0;
    /** The code of a removed entry's slot. */
    private static final byte TOMBSTONE = -1;
    /** The code of every entry of a {@link #valued} table. */
    static final byte PRESENT = 1;
    /**
     * The share of a segment's rebuild threshold that its live entries must fill for it to split rather than
     * be compacted in place: compacting then frees room for at least the other 15 % of inserts.
     */
    static final float SPLIT_LIVE_SHARE = 0.85f;
    /** Slots per segment, as a power of two: 8,192 slots, 72 KiB. */
    static final int DEFAULT_SEGMENT_SHIFT = 13;
    private static final float SPLIT_LOAD = SegmentedLongMap.SPLIT_LOAD;
    private static final VarHandle CODE = MethodHandles.arrayElementVarHandle(byte[].class);
    private static final VarHandle KEY = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle VALUE = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle OBJECT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final VarHandle ENTRY = MethodHandles.arrayElementVarHandle(Segment[].class);

    private final long seed;
    private final int segmentSlots;
    private final int splitAt;
    private final int splitLive;
    private final long[] scratchKeys;
    private final byte[] scratchCodes;
    /** Where a rebuild gathers a valued table's values; {@code null} in other tables. */
    private final long[] scratchValues;
    /** Where a rebuild gathers an object table's objects; {@code null} in other tables. */
    private final Object[] scratchObjects;
    private volatile Segment[] directory;
    /**
     * The seqlock of splits, the one change that moves entries between segments: odd while a split runs, moved on
     * as it begins and as it ends. A reader visiting every entry waits while it is odd and starts again when it
     * changed under it.
     */
    private volatile int splits;
    private int globalDepth;
    private int segmentCount;

    /** An empty table of one segment, which grows as orders arrive. */
    OrderStatusTable() {
        this(1, DEFAULT_SEGMENT_SHIFT);
    }

    /** A table for about {@code expectedOrders} orders in segments of {@code 1 << segmentShift} slots. */
    OrderStatusTable(int expectedOrders, int segmentShift) {
        this(expectedOrders, segmentShift, ThreadLocalRandom.current().nextLong());
    }

    /** As {@link #OrderStatusTable(int, int)}, hashing with {@code seed}: for tests that need one layout. */
    OrderStatusTable(int expectedOrders, int segmentShift, long seed) {
        this(expectedOrders, segmentShift, seed, Kind.CODES);
    }

    /**
     * A {@link #valued} table for about {@code expectedKeys} keys in segments of {@code 1 << segmentShift} slots,
     * hashing with {@code seed}.
     */
    static OrderStatusTable valued(int expectedKeys, int segmentShift, long seed) {
        return new OrderStatusTable(expectedKeys, segmentShift, seed, Kind.VALUES);
    }

    /** As {@link #valued(int, int, long)}, with a seed drawn at random. */
    static OrderStatusTable valued(int expectedKeys, int segmentShift) {
        return valued(expectedKeys, segmentShift, ThreadLocalRandom.current().nextLong());
    }

    /**
     * An {@link #ofObjects object table} for about {@code expectedKeys} keys in segments of
     * {@code 1 << segmentShift} slots, hashing with {@code seed}.
     */
    static OrderStatusTable ofObjects(int expectedKeys, int segmentShift, long seed) {
        return new OrderStatusTable(expectedKeys, segmentShift, seed, Kind.OBJECTS);
    }

    /** As {@link #ofObjects(int, int, long)}, with a seed drawn at random. */
    static OrderStatusTable ofObjects(int expectedKeys, int segmentShift) {
        return ofObjects(expectedKeys, segmentShift, ThreadLocalRandom.current().nextLong());
    }

    private OrderStatusTable(int expectedOrders, int segmentShift, long seed, Kind kind) {
        if (segmentShift < SegmentedLongMap.MIN_SEGMENT_SHIFT || segmentShift > 24) {
            throw new IllegalArgumentException("segment shift must be within " + SegmentedLongMap.MIN_SEGMENT_SHIFT
                    + "..24, was " + segmentShift);
        }
        this.seed = seed;
        segmentSlots = 1 << segmentShift;
        splitAt = (int) (segmentSlots * SPLIT_LOAD);
        splitLive = (int) (splitAt * SPLIT_LIVE_SHARE);
        scratchKeys = new long[segmentSlots];
        scratchCodes = new byte[segmentSlots];
        scratchValues = kind == Kind.VALUES ? new long[segmentSlots] : null;
        scratchObjects = kind == Kind.OBJECTS ? new Object[segmentSlots] : null;
        globalDepth = SegmentedLongMap.depthFor(expectedOrders, segmentSlots);
        Segment[] initial = new Segment[1 << globalDepth];
        for (int i = 0; i < initial.length; i++) {
            initial[i] = new Segment(segmentSlots, globalDepth, i, kind);
        }
        segmentCount = initial.length;
        directory = initial;
    }

    /**
     * The bytes a table of default segments sized for {@code expectedOrders} allocates when it is made: its
     * segments and its rebuild's scratch room, the arrays alone, a lower bound of what it holds.
     */
    static long presizedBytes(int expectedOrders) {
        long slots = 1L << DEFAULT_SEGMENT_SHIFT;
        return ((1L << SegmentedLongMap.depthFor(expectedOrders, (int) slots)) + 1) * slots
                * (Long.BYTES + Byte.BYTES);
    }

    /**
     * The bytes a {@link #valued} table of segments of {@code 1 << segmentShift} slots sized for
     * {@code expectedKeys} allocates when it is made: its segments and its rebuild's scratch room, the arrays
     * alone, a lower bound of what it holds.
     */
    static long presizedValuedBytes(int expectedKeys, int segmentShift) {
        long slots = 1L << segmentShift;
        return ((1L << SegmentedLongMap.depthFor(expectedKeys, (int) slots)) + 1) * slots
                * (Long.BYTES + Long.BYTES + Byte.BYTES);
    }

    /** The code stored for {@code orderId}, or {@link #ABSENT}. Any thread. */
    byte status(long orderId) {
        long hash = SegmentedLongMap.hash(orderId, seed);
        int mask = segmentSlots - 1;
        while (true) {
            Segment[] current = directory;
            int depth = Integer.numberOfTrailingZeros(current.length);
            Segment segment = (Segment) ENTRY.getAcquire(current, SegmentedLongMap.directoryIndex(hash, depth));
            int version = segment.version;
            if ((version & 1) == 0) {
                int segmentDepth = segment.depth;
                int prefix = segment.prefix;
                byte found = ABSENT;
                boolean torn = false;
                int slot = SegmentedLongMap.home(hash, orderId, mask);
                for (int probes = 0; probes < segmentSlots; probes++, slot = (slot + 1) & mask) {
                    byte code = (byte) CODE.getAcquire(segment.codes, slot);
                    if (code == ABSENT) {
                        break;
                    }
                    if (code != TOMBSTONE && (long) KEY.getAcquire(segment.keys, slot) == orderId) {
                        torn = (byte) CODE.getAcquire(segment.codes, slot) != code;
                        found = code;
                        break;
                    }
                }
                VarHandle.acquireFence();
                if (!torn && segment.version == version
                        && SegmentedLongMap.directoryIndex(hash, segmentDepth) == prefix) {
                    return found;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The value stored for {@code key} in a {@link #valued} table, or {@code absent} when it holds none. Any thread;
     * allocates nothing and takes no lock.
     */
    long value(long key, long absent) {
        long hash = SegmentedLongMap.hash(key, seed);
        int mask = segmentSlots - 1;
        while (true) {
            Segment[] current = directory;
            int depth = Integer.numberOfTrailingZeros(current.length);
            Segment segment = (Segment) ENTRY.getAcquire(current, SegmentedLongMap.directoryIndex(hash, depth));
            int version = segment.version;
            if ((version & 1) == 0) {
                int segmentDepth = segment.depth;
                int prefix = segment.prefix;
                long found = absent;
                int slot = SegmentedLongMap.home(hash, key, mask);
                for (int probes = 0; probes < segmentSlots; probes++, slot = (slot + 1) & mask) {
                    byte code = (byte) CODE.getAcquire(segment.codes, slot);
                    if (code == ABSENT) {
                        break;
                    }
                    if ((long) KEY.getAcquire(segment.keys, slot) == key) {
                        found = (long) VALUE.getAcquire(segment.values, slot);
                        break;
                    }
                }
                VarHandle.acquireFence();
                if (segment.version == version && SegmentedLongMap.directoryIndex(hash, segmentDepth) == prefix) {
                    return found;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * The object stored for {@code key} in an {@link #ofObjects object table}, or {@code null} when it holds none.
     * Any thread; allocates nothing and takes no lock.
     *
     * @throws IllegalStateException when the table holds no objects
     */
    Object object(long key) {
        requireObjects();
        long hash = SegmentedLongMap.hash(key, seed);
        int mask = segmentSlots - 1;
        while (true) {
            Segment[] current = directory;
            int depth = Integer.numberOfTrailingZeros(current.length);
            Segment segment = (Segment) ENTRY.getAcquire(current, SegmentedLongMap.directoryIndex(hash, depth));
            int version = segment.version;
            if ((version & 1) == 0) {
                int segmentDepth = segment.depth;
                int prefix = segment.prefix;
                Object found = null;
                int slot = SegmentedLongMap.home(hash, key, mask);
                for (int probes = 0; probes < segmentSlots; probes++, slot = (slot + 1) & mask) {
                    byte code = (byte) CODE.getAcquire(segment.codes, slot);
                    if (code == ABSENT) {
                        break;
                    }
                    if (code != TOMBSTONE && (long) KEY.getAcquire(segment.keys, slot) == key) {
                        found = OBJECT.getAcquire(segment.objects, slot);
                        break;
                    }
                }
                VarHandle.acquireFence();
                if (segment.version == version && SegmentedLongMap.directoryIndex(hash, segmentDepth) == prefix) {
                    return found;
                }
            }
            Thread.onSpinWait();
        }
    }

    /**
     * Hands {@code visitor} every object of an {@link #ofObjects object table}, each once: of each segment, the
     * objects it held at one moment, read inside its seqlock. Any thread; there is no snapshot across segments,
     * and a scan that a split overlaps starts again (entries move between segments only then), so an entry
     * stored throughout the call is always visited. Allocates what it gathers: for queries, not the hot path.
     *
     * @throws IllegalStateException when the table holds no objects
     */
    void forEachObject(Consumer<Object> visitor) {
        requireObjects();
        Object[] gathered = new Object[segmentSlots];
        List<Object> found = new ArrayList<>();
        while (true) {
            found.clear();
            int splitsBefore = splits;
            if ((splitsBefore & 1) != 0) {
                // a split is moving entries: the directory and its segments may show them in both halves or neither
                Thread.onSpinWait();
                continue;
            }
            Segment[] current = directory;
            Segment previous = null;
            for (int i = 0; i < current.length; i++) {
                // a segment's entries are one contiguous range of the directory, unless a split (seen below) moves it
                Segment segment = (Segment) ENTRY.getAcquire(current, i);
                if (segment != previous) {
                    int count = gather(segment, gathered);
                    found.addAll(Arrays.asList(gathered).subList(0, count));
                    previous = segment;
                }
            }
            VarHandle.acquireFence();
            if (splits == splitsBefore) {
                found.forEach(visitor);
                return;
            }
            Thread.onSpinWait();
        }
    }

    /** Copies the objects {@code segment} holds at one moment into {@code into}, retrying past its changes. */
    private int gather(Segment segment, Object[] into) {
        while (true) {
            int version = segment.version;
            if ((version & 1) == 0) {
                int count = 0;
                for (int slot = 0; slot < segmentSlots; slot++) {
                    byte code = (byte) CODE.getAcquire(segment.codes, slot);
                    if (code > ABSENT) {
                        into[count++] = OBJECT.getAcquire(segment.objects, slot);
                    }
                }
                VarHandle.acquireFence();
                if (segment.version == version) {
                    return count;
                }
            }
            Thread.onSpinWait();
        }
    }

    private void requireObjects() {
        if (scratchObjects == null) {
            throw new IllegalStateException("this table holds no objects");
        }
    }

    /**
     * Sets the object of {@code key} in an {@link #ofObjects object table}, adding it when absent. Only the
     * table's writer thread may call this.
     *
     * @throws IllegalStateException when the table holds no objects
     * @throws NullPointerException  when {@code object} is {@code null}
     */
    void putObject(long key, Object object) {
        requireObjects();
        Objects.requireNonNull(object, "object");
        store(key, PRESENT, 0, object);
    }

    /**
     * Sets the value of {@code key} in a {@link #valued} table, adding it when absent. Only the table's writer
     * thread may call this.
     *
     * @throws IllegalStateException when the table holds status codes, not values
     */
    void putValue(long key, long value) {
        if (scratchValues == null) {
            throw new IllegalStateException("this table holds no values");
        }
        store(key, PRESENT, value, null);
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
        if (scratchValues != null || scratchObjects != null) {
            throw new IllegalStateException("this table holds " + (scratchValues != null ? "values" : "objects")
                    + ", not status codes");
        }
        store(orderId, code, 0, null);
    }

    /**
     * Sets {@code orderId}'s code, or in a valued table its value and in an object table its object, adding the
     * entry when absent. The value or object is written before the key and the code, so that a reader that sees the
     * entry sees them.
     */
    private void store(long orderId, byte code, long value, Object object) {
        long hash = SegmentedLongMap.hash(orderId, seed);
        int mask = segmentSlots - 1;
        while (true) {
            Segment segment = directory[SegmentedLongMap.directoryIndex(hash, globalDepth)];
            int slot = SegmentedLongMap.home(hash, orderId, mask);
            int tombstone = -1;
            for (; segment.codes[slot] != ABSENT; slot = (slot + 1) & mask) {
                if (segment.codes[slot] == TOMBSTONE) {
                    if (tombstone < 0) {
                        tombstone = slot;
                    }
                } else if (segment.keys[slot] == orderId) {
                    if (segment.values != null) {
                        VALUE.setRelease(segment.values, slot, value);
                    } else if (segment.objects != null) {
                        OBJECT.setRelease(segment.objects, slot, object);
                    } else {
                        CODE.setRelease(segment.codes, slot, code);
                    }
                    return;
                }
            }
            if (tombstone >= 0) {
                // nothing is removed from a valued table: only tables of codes or objects have tombstones
                if (segment.objects != null) {
                    OBJECT.setRelease(segment.objects, tombstone, object);
                }
                KEY.setRelease(segment.keys, tombstone, orderId);
                CODE.setRelease(segment.codes, tombstone, code);
                segment.tombstones--;
                segment.size++;
                return;
            }
            int used = segment.size + segment.tombstones;
            boolean mayGrow = used < splitAt || segment.depth < globalDepth
                    || globalDepth < SegmentedLongMap.depthLimit(segmentCount);
            if (used < splitAt || !mayGrow && used < segmentSlots - 1) {
                if (segment.values != null) {
                    VALUE.setRelease(segment.values, slot, value);
                } else if (segment.objects != null) {
                    OBJECT.setRelease(segment.objects, slot, object);
                }
                KEY.setRelease(segment.keys, slot, orderId);
                CODE.setRelease(segment.codes, slot, code);
                segment.size++;
                return;
            }
            if (segment.size < splitLive || !mayGrow && segment.tombstones > 0) {
                compact(segment);
            } else if (mayGrow) {
                split(segment);
            } else {
                throw new IllegalStateException("cannot store key " + orderId + ": its segment of " + segmentSlots
                        + " slots is full of ids that crowd one hash prefix " + globalDepth + " bits long");
            }
        }
    }

    /**
     * Removes {@code orderId}, leaving a tombstone in its slot; in an object table, inside the segment's seqlock,
     * letting go of the object. Only the table's writer thread may call this.
     *
     * @return whether it was stored
     * @throws IllegalStateException when the table is {@link #valued}: nothing is removed from those
     */
    boolean remove(long orderId) {
        if (scratchValues != null) {
            throw new IllegalStateException("nothing is removed from a valued table");
        }
        long hash = SegmentedLongMap.hash(orderId, seed);
        int mask = segmentSlots - 1;
        Segment segment = directory[SegmentedLongMap.directoryIndex(hash, globalDepth)];
        int slot = SegmentedLongMap.home(hash, orderId, mask);
        for (; segment.codes[slot] != ABSENT; slot = (slot + 1) & mask) {
            if (segment.codes[slot] != TOMBSTONE && segment.keys[slot] == orderId) {
                if (segment.objects != null) {
                    segment.version++;
                    VarHandle.releaseFence();
                    CODE.setRelease(segment.codes, slot, TOMBSTONE);
                    segment.objects[slot] = null;
                    segment.version++;
                } else {
                    CODE.setRelease(segment.codes, slot, TOMBSTONE);
                }
                segment.size--;
                segment.tombstones++;
                return true;
            }
        }
        return false;
    }

    /** How many segments the table holds, for tests of its growth. */
    int segments() {
        return SegmentedLongMap.distinctSegments(directory);
    }

    private void split(Segment segment) {
        if (segment.depth == globalDepth && globalDepth == 30) {
            throw new IllegalStateException("the read model's order table is full");
        }
        // what the split allocates comes first: memory running out after the count went odd would leave it odd, and
        // every later visit waiting for the split to end
        Segment[] current = directory;
        Segment[] doubled = null;
        if (segment.depth == globalDepth) {
            doubled = new Segment[current.length * 2];
            for (int i = 0; i < current.length; i++) {
                doubled[2 * i] = current[i];
                doubled[2 * i + 1] = current[i];
            }
        }
        int oldDepth = segment.depth;
        Segment upper = new Segment(segmentSlots, oldDepth + 1, segment.prefix << 1 | 1, kind());
        splits++;
        VarHandle.releaseFence();
        if (doubled != null) {
            globalDepth++;
            directory = doubled;
            current = doubled;
        }
        segmentCount++;
        int kept = 0;
        for (int slot = 0; slot < segmentSlots; slot++) {
            byte code = segment.codes[slot];
            if (code > ABSENT) {
                long key = segment.keys[slot];
                long value = segment.values == null ? 0 : segment.values[slot];
                Object object = segment.objects == null ? null : segment.objects[slot];
                long hash = SegmentedLongMap.hash(key, seed);
                if (SegmentedLongMap.splitBit(hash, oldDepth) == 1) {
                    upper.insertFresh(key, code, value, object, SegmentedLongMap.home(hash, key, segmentSlots - 1));
                } else {
                    scratchKeys[kept] = key;
                    scratchCodes[kept] = code;
                    if (scratchValues != null) {
                        scratchValues[kept] = value;
                    }
                    if (scratchObjects != null) {
                        scratchObjects[kept] = object;
                    }
                    kept++;
                }
            }
        }
        int span = 1 << (globalDepth - oldDepth);
        int first = segment.prefix << (globalDepth - oldDepth);
        for (int i = first + span / 2; i < first + span; i++) {
            ENTRY.setRelease(current, i, upper);
        }
        rebuild(segment, kept, oldDepth + 1, segment.prefix << 1);
        splits++;
    }

    /** Rebuilds a segment in place with its live entries only: its tombstones go, nothing is allocated. */
    private void compact(Segment segment) {
        int kept = 0;
        for (int slot = 0; slot < segmentSlots; slot++) {
            byte code = segment.codes[slot];
            if (code > ABSENT) {
                scratchKeys[kept] = segment.keys[slot];
                scratchCodes[kept] = code;
                if (scratchValues != null) {
                    scratchValues[kept] = segment.values[slot];
                }
                if (scratchObjects != null) {
                    scratchObjects[kept] = segment.objects[slot];
                }
                kept++;
            }
        }
        rebuild(segment, kept, segment.depth, segment.prefix);
    }

    /**
     * Refills {@code segment} with the first {@code kept} scratch entries, as the segment of {@code depth} and
     * {@code prefix}, inside its seqlock: readers that overlap start again.
     */
    private void rebuild(Segment segment, int kept, int depth, int prefix) {
        segment.version++;
        VarHandle.releaseFence();
        Arrays.fill(segment.codes, ABSENT);
        if (segment.objects != null) {
            Arrays.fill(segment.objects, null);
        }
        segment.size = 0;
        segment.tombstones = 0;
        segment.depth = depth;
        segment.prefix = prefix;
        for (int i = 0; i < kept; i++) {
            long key = scratchKeys[i];
            int home = SegmentedLongMap.home(SegmentedLongMap.hash(key, seed), key, segmentSlots - 1);
            segment.insertFresh(key, scratchCodes[i], scratchValues == null ? 0 : scratchValues[i],
                    scratchObjects == null ? null : scratchObjects[i], home);
        }
        if (scratchObjects != null) {
            Arrays.fill(scratchObjects, 0, kept, null);
        }
        segment.version++;
    }

    private Kind kind() {
        return scratchValues != null ? Kind.VALUES : scratchObjects != null ? Kind.OBJECTS : Kind.CODES;
    }

    /** What a table holds beside each key: a status code, a {@code long} value or an object. */
    private enum Kind {
        CODES, VALUES, OBJECTS
    }

    /**
     * One open-addressing segment. {@code depth} and {@code prefix} say which hashes it holds: those whose
     * top {@code depth} bits are {@code prefix}. {@code version} is the seqlock of a rebuild. {@code size}
     * counts live entries, {@code tombstones} removed ones. {@code values} is {@code null} but in a valued table,
     * {@code objects} but in an object table.
     */
    private static final class Segment {
        final long[] keys;
        final byte[] codes;
        final long[] values;
        final Object[] objects;
        volatile int version;
        int depth;
        int prefix;
        int size;
        int tombstones;

        Segment(int slots, int depth, int prefix, Kind kind) {
            keys = new long[slots];
            codes = new byte[slots];
            values = kind == Kind.VALUES ? new long[slots] : null;
            objects = kind == Kind.OBJECTS ? new Object[slots] : null;
            this.depth = depth;
            this.prefix = prefix;
        }

        void insertFresh(long key, byte code, long value, Object object, int firstSlot) {
            int mask = codes.length - 1;
            int slot = firstSlot;
            while (codes[slot] != ABSENT) {
                slot = (slot + 1) & mask;
            }
            keys[slot] = key;
            codes[slot] = code;
            if (values != null) {
                values[slot] = value;
            }
            if (objects != null) {
                objects[slot] = object;
            }
            size++;
        }
    }
}
