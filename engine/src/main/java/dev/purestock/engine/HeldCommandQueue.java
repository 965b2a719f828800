package dev.purestock.engine;

import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryState;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * The commands the engine's store holds for later, by hold id and in the order they fall due (their time, then
 * their id), with no boxed id and no map node or key object per hold: a binary min-heap of the held records in one
 * array, and a {@link SegmentedLongMap} from hold id to the record's place in the heap. Holding, cancelling and
 * releasing a command cost {@code O(log n)} and allocate nothing once the arrays have grown to the most commands
 * held at once (they double when full and never shrink, as the store's other tables keep the room their largest
 * size needed). A time command that finds nothing due reads the heap's top only.
 *
 * <p>The due commands are visited in order without taking them out ({@link #forEachDue}): from the top, a second
 * small heap of the places still to visit hands out the next one, and a command is added to it only when due, so
 * a visit of {@code k} commands costs {@code O(k log k)} whatever the number held. That second heap is the
 * queue's own scratch room, so a visitor must not start another visit of the same queue. Not thread-safe: the
 * decision thread owns it, as it owns the store.
 */
final class HeldCommandQueue {
    /** What {@link #places} answers for a hold id it does not hold. */
    private static final long NOT_HELD = -1;
    /** Slots per segment of {@link #places}, as a power of two: 1,024 slots, 16 KiB. */
    private static final int PLACES_SEGMENT_SHIFT = 10;
    private static final int INITIAL_CAPACITY = 16;

    /** Hold id to the held record's index in {@link #heap}. */
    private final SegmentedLongMap places = new SegmentedLongMap(NOT_HELD, 1, PLACES_SEGMENT_SHIFT);
    /** The held records, each due no earlier than its parent: {@code (i - 1) / 2}. */
    private HeldCommand[] heap = new HeldCommand[INITIAL_CAPACITY];
    private int size;
    /** The heap indices still to visit in a {@link #forEachDue}, itself a heap by the records' order. */
    private int[] toVisit = new int[INITIAL_CAPACITY];

    /** How many commands are held. */
    int size() {
        return size;
    }

    /** The held command with that id, or {@code null}. */
    HeldCommand get(long holdId) {
        long place = places.get(holdId);
        return place == NOT_HELD ? null : heap[(int) place];
    }

    /** Holds {@code held}, replacing any held command with the same id. */
    void put(HeldCommand held) {
        long place = places.get(held.holdId());
        if (place != NOT_HELD) {
            removeAt((int) place);
        }
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        heap[size] = held;
        places.put(held.holdId(), size);
        siftUp(size++);
    }

    /**
     * Stops holding the command with that id, which must be held.
     *
     * @throws IllegalStateException when none is held under that id
     */
    void remove(long holdId) {
        long place = places.get(holdId);
        if (place == NOT_HELD) {
            throw new IllegalStateException("no command is held under hold id " + holdId);
        }
        removeAt((int) place);
    }

    /**
     * Visits the held commands due at or before {@code now}, by time and then id, until the visitor returns
     * {@code false}. Allocates nothing, unless more commands are held than at any earlier visit.
     */
    void forEachDue(long now, InventoryState.HeldVisitor visitor) {
        if (size == 0 || heap[0].at() > now) {
            return;
        }
        if (toVisit.length < size) {
            toVisit = new int[heap.length];
        }
        int pending = 1;
        toVisit[0] = 0;
        while (pending > 0) {
            int next = toVisit[0];
            toVisit[0] = toVisit[--pending];
            siftDownToVisit(pending);
            if (!visitor.onHeld(heap[next])) {
                return;
            }
            // a child is due no earlier than its parent: one not due yet has no due descendant either
            for (int child = 2 * next + 1; child <= 2 * next + 2 && child < size; child++) {
                if (heap[child].at() <= now) {
                    toVisit[pending] = child;
                    siftUpToVisit(pending++);
                }
            }
        }
    }

    /** Visits every held command, by time and then id. */
    void forEach(Consumer<HeldCommand> visitor) {
        forEachDue(Long.MAX_VALUE, held -> {
            visitor.accept(held);
            return true;
        });
    }

    private void removeAt(int place) {
        places.remove(heap[place].holdId());
        int last = --size;
        HeldCommand moved = heap[last];
        heap[last] = null;
        if (place != last) {
            heap[place] = moved;
            places.put(moved.holdId(), place);
            if (siftDown(place) == place) {
                siftUp(place);
            }
        }
    }

    /** Moves the record at {@code index} up while it falls due before its parent. */
    private void siftUp(int index) {
        HeldCommand held = heap[index];
        while (index > 0) {
            int parent = (index - 1) / 2;
            if (!before(held, heap[parent])) {
                break;
            }
            place(heap[parent], index);
            index = parent;
        }
        place(held, index);
    }

    /** Moves the record at {@code index} down while a child falls due before it; returns where it ends. */
    private int siftDown(int index) {
        HeldCommand held = heap[index];
        while (true) {
            int child = 2 * index + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child])) {
                child++;
            }
            if (!before(heap[child], held)) {
                break;
            }
            place(heap[child], index);
            index = child;
        }
        place(held, index);
        return index;
    }

    private void place(HeldCommand held, int index) {
        if (heap[index] != held) {
            heap[index] = held;
            places.put(held.holdId(), index);
        }
    }

    private void siftUpToVisit(int index) {
        int entry = toVisit[index];
        while (index > 0) {
            int parent = (index - 1) / 2;
            if (!before(heap[entry], heap[toVisit[parent]])) {
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
            if (child + 1 < count && before(heap[toVisit[child + 1]], heap[toVisit[child]])) {
                child++;
            }
            if (!before(heap[toVisit[child]], heap[entry])) {
                break;
            }
            toVisit[index] = toVisit[child];
            index = child;
        }
        toVisit[index] = entry;
    }

    /** Whether {@code a} falls due before {@code b}: earlier, or at the same time with a lower id. */
    private static boolean before(HeldCommand a, HeldCommand b) {
        return a.at() < b.at() || a.at() == b.at() && a.holdId() < b.holdId();
    }
}
