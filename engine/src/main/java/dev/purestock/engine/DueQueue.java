package dev.purestock.engine;

import java.util.Arrays;

/**
 * Entries found by id and kept in the order they fall due (their time, then their id), with no boxed id and no
 * node, key or entry object per entry: a binary min-heap whose columns are primitive arrays (the times and the
 * ids, and the values for a queue that is given any), and a {@link SegmentedLongMap} from id to the entry's place
 * in the heap. The engine's store keeps its reservations' expiries in one (ids and times alone) and its held
 * commands in another ({@link HeldCommandQueue}, the held records as values). Putting and removing an entry cost
 * {@code O(log n)} and allocate nothing once the columns have grown to the most entries held at once (they double
 * when full and never shrink, as the store's other tables keep the room their largest size needed); the id map
 * takes a new segment only when its ids crowd one.
 *
 * <p>The due entries are visited in order without taking them out, through a cursor ({@link #firstDue},
 * {@link #nextDue}) that answers places in the heap: from the top, a second small heap of the places still to
 * visit hands out the next one, and a place is added to it only when due, so a visit of {@code k} entries costs
 * {@code O(k log k)} whatever the number held, and a time that finds nothing due reads the top alone. That second
 * heap is the queue's own scratch room: the queue must not change during a visit, and a visit ends the one before.
 * Not thread-safe: the decision thread owns it, as it owns the store.
 *
 * @param <V> the values kept with the entries ({@link Void} for a queue of ids and times alone)
 */
final class DueQueue<V> {
    /** The place of no entry: what {@link #place} answers for an id not held, and the cursor at its end. */
    static final int NONE = -1;
    /** Slots per segment of {@link #places}, as a power of two: 1,024 slots, 16 KiB. */
    private static final int PLACES_SEGMENT_SHIFT = 10;
    private static final int INITIAL_CAPACITY = 16;

    /** Id to the entry's index in the heap's columns. */
    private final SegmentedLongMap places = new SegmentedLongMap(NONE, 1, PLACES_SEGMENT_SHIFT);
    /** The heap's columns: each entry falls due no earlier than its parent, {@code (i - 1) / 2}. */
    private long[] times = new long[INITIAL_CAPACITY];
    private long[] ids = new long[INITIAL_CAPACITY];
    /** The values, in the heap's order; {@code null} until a value is put, so a queue without any keeps none. */
    private Object[] values;
    private int size;
    /** The places still to visit in a visit, themselves a heap in the entries' order. */
    private int[] toVisit = new int[INITIAL_CAPACITY];
    private int pending;
    /** The place a visit answered last, whose children it considers next; {@link #NONE} when it has ended. */
    private int visited = NONE;
    private long visitUntil;

    /** How many entries are held. */
    int size() {
        return size;
    }

    /** The place of the entry with that id, or {@link #NONE}; valid until the queue changes. */
    int place(long id) {
        return (int) places.get(id);
    }

    /** The time of the entry at {@code place}. */
    long time(int place) {
        return times[place];
    }

    /** The id of the entry at {@code place}. */
    long id(int place) {
        return ids[place];
    }

    /** The value of the entry at {@code place}, or {@code null} when it was put without one. */
    @SuppressWarnings("unchecked")
    V value(int place) {
        return values == null ? null : (V) values[place];
    }

    /** Holds {@code id} due at {@code time} with {@code value} (or none), replacing any entry with that id. */
    void put(long id, long time, V value) {
        int place = place(id);
        if (place != NONE) {
            removeAt(place);
        }
        if (size == times.length) {
            times = Arrays.copyOf(times, size * 2);
            ids = Arrays.copyOf(ids, size * 2);
            if (values != null) {
                values = Arrays.copyOf(values, size * 2);
            }
        }
        if (value != null && values == null) {
            values = new Object[times.length];
        }
        set(size, time, id, value);
        siftUp(size++);
    }

    /** Removes the entry with that id, if one is held; returns whether one was. */
    boolean remove(long id) {
        int place = place(id);
        if (place == NONE) {
            return false;
        }
        removeAt(place);
        return true;
    }

    /** Removes the entry at {@code place}. */
    void removeAt(int place) {
        places.remove(ids[place]);
        int last = --size;
        if (place != last) {
            set(place, times[last], ids[last], values == null ? null : values[last]);
            if (siftDown(place) == place) {
                siftUp(place);
            }
        }
        if (values != null) {
            values[last] = null;
        }
    }

    /**
     * Starts a visit of the entries due at or before {@code now}, by time and then id: the place of the first, or
     * {@link #NONE} when none is due. {@link #nextDue} answers the next.
     */
    int firstDue(long now) {
        pending = 0;
        visitUntil = now;
        visited = size == 0 || times[0] > now ? NONE : 0;
        return visited;
    }

    /**
     * The place of the next entry of the visit {@link #firstDue} started, or {@link #NONE} when none is left.
     * Allocates nothing, unless the visit goes further than any before it.
     */
    int nextDue() {
        if (visited == NONE) {
            return NONE;
        }
        // a child is due no earlier than its parent: one not due yet has no due descendant either
        for (int child = 2 * visited + 1; child <= 2 * visited + 2 && child < size; child++) {
            if (times[child] <= visitUntil) {
                if (pending == toVisit.length) {
                    toVisit = Arrays.copyOf(toVisit, pending * 2);
                }
                toVisit[pending] = child;
                siftUpToVisit(pending++);
            }
        }
        if (pending == 0) {
            visited = NONE;
        } else {
            visited = toVisit[0];
            toVisit[0] = toVisit[--pending];
            siftDownToVisit(pending);
        }
        return visited;
    }

    /** Moves the entry at {@code index} up while it falls due before its parent. */
    private void siftUp(int index) {
        long time = times[index];
        long id = ids[index];
        Object value = values == null ? null : values[index];
        while (index > 0) {
            int parent = (index - 1) / 2;
            if (!before(time, id, parent)) {
                break;
            }
            set(index, times[parent], ids[parent], values == null ? null : values[parent]);
            index = parent;
        }
        set(index, time, id, value);
    }

    /** Moves the entry at {@code index} down while a child falls due before it; returns where it ends. */
    private int siftDown(int index) {
        long time = times[index];
        long id = ids[index];
        Object value = values == null ? null : values[index];
        while (true) {
            int child = 2 * index + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(child + 1, child)) {
                child++;
            }
            if (!before(times[child], ids[child], time, id)) {
                break;
            }
            set(index, times[child], ids[child], values == null ? null : values[child]);
            index = child;
        }
        set(index, time, id, value);
        return index;
    }

    private void set(int index, long time, long id, Object value) {
        times[index] = time;
        ids[index] = id;
        if (values != null) {
            values[index] = value;
        }
        places.put(id, index);
    }

    private void siftUpToVisit(int index) {
        int entry = toVisit[index];
        while (index > 0) {
            int parent = (index - 1) / 2;
            if (!before(entry, toVisit[parent])) {
                break;
            }
            toVisit[index] = toVisit[parent];
            index = parent;
        }
        toVisit[index] = entry;
    }

    private void siftDownToVisit(int count) {
        if (count == 0) {
            return;
        }
        int index = 0;
        int entry = toVisit[0];
        while (true) {
            int child = 2 * index + 1;
            if (child >= count) {
                break;
            }
            if (child + 1 < count && before(toVisit[child + 1], toVisit[child])) {
                child++;
            }
            if (!before(toVisit[child], entry)) {
                break;
            }
            toVisit[index] = toVisit[child];
            index = child;
        }
        toVisit[index] = entry;
    }

    /** Whether the entry at place {@code a} falls due before the one at {@code b}. */
    private boolean before(int a, int b) {
        return before(times[a], ids[a], times[b], ids[b]);
    }

    /** Whether an entry due at {@code time} with {@code id} falls due before the one at {@code place}. */
    private boolean before(long time, long id, int place) {
        return before(time, id, times[place], ids[place]);
    }

    /** Whether {@code (timeA, idA)} falls due before {@code (timeB, idB)}: earlier, or as early with a lower id. */
    private static boolean before(long timeA, long idA, long timeB, long idB) {
        return timeA < timeB || timeA == timeB && idA < idB;
    }
}
