package dev.purestock.engine;

import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryState;

import java.util.function.Consumer;

/**
 * The commands the engine's store holds for later, by hold id and in the order they fall due (their time, then
 * their id): a {@link DueQueue} of hold ids and times with the held records as values, so holding a command costs
 * its record alone, with no boxed id and no map node or key object per hold. Holding, cancelling and releasing a
 * command cost {@code O(log n)}; a visit of the {@code k} commands due costs {@code O(k log k)} whatever the number
 * held, and a time command that finds nothing due reads the queue's top only. A visitor must not start another
 * visit of the same queue, nor change it. Not thread-safe: the decision thread owns it, as it owns the store.
 */
final class HeldCommandQueue {
    private final DueQueue<HeldCommand> queue = new DueQueue<>();

    /** How many commands are held. */
    int size() {
        return queue.size();
    }

    /** The held command with that id, or {@code null}. */
    HeldCommand get(long holdId) {
        int place = queue.place(holdId);
        return place == DueQueue.NONE ? null : queue.value(place);
    }

    /** Holds {@code held}, replacing any held command with the same id. */
    void put(HeldCommand held) {
        queue.put(held.holdId(), held.at(), held);
    }

    /**
     * Stops holding the command with that id, which must be held.
     *
     * @throws IllegalStateException when none is held under that id
     */
    void remove(long holdId) {
        if (!queue.remove(holdId)) {
            throw new IllegalStateException("no command is held under hold id " + holdId);
        }
    }

    /**
     * Visits the held commands due at or before {@code now}, by time and then id, until the visitor returns
     * {@code false}. Allocates nothing, unless the visit goes further than any before it.
     */
    void forEachDue(long now, InventoryState.HeldVisitor visitor) {
        for (int place = queue.firstDue(now); place != DueQueue.NONE; place = queue.nextDue()) {
            if (!visitor.onHeld(queue.value(place))) {
                return;
            }
        }
    }

    /** Visits every held command, by time and then id. */
    void forEach(Consumer<HeldCommand> visitor) {
        for (int place = queue.firstDue(Long.MAX_VALUE); place != DueQueue.NONE; place = queue.nextDue()) {
            visitor.accept(queue.value(place));
        }
    }
}
