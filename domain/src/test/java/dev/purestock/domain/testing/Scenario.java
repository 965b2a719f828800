package dev.purestock.domain.testing;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.MapInventoryStore;

import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The start of a given / when / then example:
 * {@code given(listed(7), received(1, 7, 0, 10)).at(5).when(purchase).then(...)}.
 *
 * <p>The history is what already happened. Given as commands, each is decided and applied in turn at the
 * time of the last {@link #at} before it (0 at first), and the example fails at once if one of them is
 * rejected, since a history that did not happen is a broken example. Given as events, they are folded into
 * the store as they are. {@link #when} then decides the command under test at the scenario's time and
 * applies its events.
 */
public final class Scenario {
    private final InventoryStore store;
    private long now;

    private Scenario(InventoryStore store, long now) {
        this.store = store;
        this.now = now;
    }

    /** A scenario on an empty {@link MapInventoryStore} whose history is {@code history}, decided in order. */
    public static Scenario given(Command... history) {
        return givenIn(MapInventoryStore::new, history);
    }

    /** A scenario on an empty store from {@code stores} whose history is {@code history}, decided in order. */
    public static Scenario givenIn(Supplier<? extends InventoryStore> stores, Command... history) {
        return new Scenario(stores.get(), 0).andGiven(history);
    }

    /** A scenario on an empty {@link MapInventoryStore} into which {@code history} is folded, at time 0. */
    public static Scenario given(Event... history) {
        Scenario scenario = new Scenario(new MapInventoryStore(), 0);
        Inventory.evolveAll(scenario.store, 0, List.of(history));
        return scenario;
    }

    /** A scenario with no history. */
    public static Scenario nothingYet() {
        return new Scenario(new MapInventoryStore(), 0);
    }

    static Scenario continuing(InventoryStore store, long now) {
        return new Scenario(store, now);
    }

    /** Decides and applies more history at the current time; fails the example if any is rejected. */
    public Scenario andGiven(Command... history) {
        for (Command command : history) {
            List<Event> events = Inventory.decide(command, now, store);
            if (Inventory.anyRejected(events)) {
                fail("the history of this example does not hold: " + command + " at " + now + " gave " + events);
            }
            Inventory.evolveAll(store, now, events);
        }
        return this;
    }

    /** Moves the scenario's clock to {@code time}: later history and the command under test are sequenced then. */
    public Scenario at(long time) {
        this.now = time;
        return this;
    }

    /** Decides {@code command} now, applies its events, and returns what happened for the assertions. */
    public Outcome when(Command command) {
        return Outcome.of(store, now, command);
    }

    /** The store the scenario runs on, for assertions the DSL does not cover. */
    public InventoryStore store() {
        return store;
    }
}
