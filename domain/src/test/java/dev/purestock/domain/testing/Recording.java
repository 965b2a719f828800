package dev.purestock.domain.testing;

import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;

import java.util.ArrayList;
import java.util.List;

/**
 * A run of timed commands through {@link Inventory#decide} and {@link Inventory#evolve} against one store,
 * with every outcome kept: the reference that other implementations (a faster store, the engine, a replay
 * of a journal) are compared with, step by step or by digest.
 */
public final class Recording {
    private final InventoryStore store;
    private final List<Step> steps;

    private Recording(InventoryStore store, List<Step> steps) {
        this.store = store;
        this.steps = List.copyOf(steps);
    }

    /** One decided command: its input, its events, and the digest once they were applied. */
    public record Step(Timed input, List<Event> events, long digestAfter) {
        public Step {
            events = List.copyOf(events);
        }
    }

    /** Runs {@code commands} against a fresh {@link MapInventoryStore}. */
    public static Recording of(List<Timed> commands) {
        return of(commands, new MapInventoryStore());
    }

    /** Runs {@code commands} against {@code store}, which is changed. */
    public static Recording of(List<Timed> commands, InventoryStore store) {
        List<Step> steps = new ArrayList<>(commands.size());
        for (Timed timed : commands) {
            List<Event> events = Inventory.decide(timed.command(), timed.now(), store);
            Inventory.evolveAll(store, timed.now(), events);
            steps.add(new Step(timed, events, StateDigest.of(store)));
        }
        return new Recording(store, steps);
    }

    /**
     * Folds the events of every step, each at its command's time, in order into {@code store} and returns it:
     * a replay of what a journal of this run would hold.
     */
    public <S extends InventoryStore> S foldInto(S store) {
        return foldInto(store, 0, steps.size());
    }

    /** Folds the events of steps {@code from} (inclusive) to {@code to} (exclusive) into {@code store}. */
    public <S extends InventoryStore> S foldInto(S store, int from, int to) {
        for (int i = from; i < to; i++) {
            Step step = steps.get(i);
            Inventory.evolveAll(store, step.input().now(), step.events());
        }
        return store;
    }

    /** The steps, one per command, in order. */
    public List<Step> steps() {
        return steps;
    }

    /** The store after the last command. */
    public InventoryStore store() {
        return store;
    }

    /** The digest of the store after the last command. */
    public long digest() {
        return StateDigest.of(store);
    }
}
