package dev.purestock.domain;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The commands a store holds for later, by id and in the order they fall due (their time, then their id), on plain
 * maps: how {@link MapInventoryStore} keeps them. A hold boxes its id and takes map nodes and a key object here;
 * the engine's store keeps its held commands in primitive form instead. Not thread-safe.
 */
public final class HeldCommands {
    private final Map<Long, HeldCommand> byId = new HashMap<>();
    private final TreeMap<StateKeys.Due, HeldCommand> byDue = new TreeMap<>();

    /** An empty set of held commands. */
    public HeldCommands() {
    }

    /** The held command with that id, or {@code null}. */
    public HeldCommand get(long holdId) {
        return byId.get(holdId);
    }

    /** Holds {@code held}, replacing any held command with the same id. */
    public void put(HeldCommand held) {
        drop(held.holdId());
        byId.put(held.holdId(), held);
        byDue.put(new StateKeys.Due(held.at(), held.holdId()), held);
    }

    /**
     * Stops holding the command with that id, which must be held: what {@link MutableInventory#removeHeld} does.
     *
     * @throws IllegalStateException when none is held under that id
     */
    public void remove(long holdId) {
        if (drop(holdId) == null) {
            throw new IllegalStateException("no command is held under hold id " + holdId);
        }
    }

    private HeldCommand drop(long holdId) {
        HeldCommand held = byId.remove(holdId);
        if (held != null) {
            byDue.remove(new StateKeys.Due(held.at(), holdId));
        }
        return held;
    }

    /**
     * Visits the held commands due at or before {@code now}, by time and then id, until the visitor returns
     * {@code false}. Allocates nothing.
     */
    public void forEachDue(long now, InventoryState.HeldVisitor visitor) {
        // key by key rather than through an iterator, which each time command would allocate
        StateKeys.Due key = byDue.isEmpty() ? null : byDue.firstKey();
        while (key != null && key.expiresAt() <= now && visitor.onHeld(byDue.get(key))) {
            key = byDue.higherKey(key);
        }
    }

    /** Visits every held command, by time and then id. */
    public void forEach(Consumer<HeldCommand> visitor) {
        byDue.values().forEach(visitor);
    }
}
