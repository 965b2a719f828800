package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.StoreCapacity;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.concurrent.TimeUnit;

/**
 * Order retention in the engine's store, on one thread, as the decision stage runs it.
 *
 * <p>{@link #churn}: one-unit purchases under new order ids, one per operation, each a time unit after the
 * last, with a time command ({@code ExpireReservations}) every {@link #tickEvery} purchases. With a window of
 * {@link #retainFor} time units the store remembers about that many orders and forgets as many as it takes,
 * so once the first window has passed the book reuses the rows, lines and index slots of forgotten orders; the
 * store is sized for the window (and for every customer count the traffic can make), so {@code -prof gc}'s
 * {@code gc.alloc.rate.norm} is what a purchase and its share of a time command allocate, with nothing from
 * the state growing. {@code -p retainFor=forever} keeps every order, for comparison: there the book grows.
 * The store lives for the whole trial, so the warm-up fills the first window.
 *
 * <p>{@link #forgetTheMost}: one time command that forgets {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders,
 * decided and applied: the decision thread's longest stall for forgetting, which the limit bounds. Each
 * invocation first buys that many orders again (not timed).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RetentionBenchmark {
    private static final int SKUS = 64;
    private static final int CUSTOMERS = 10_000;

    /** The retention window in time units (one per purchase), or {@code forever}. */
    @Param({"100000", "forever"})
    public String retainFor;

    /**
     * Purchases between two time commands: with one time unit per purchase, how many orders each time command
     * forgets once the first window has passed (at most {@link Limits#MAX_FORGOTTEN_PER_COMMAND}, or a backlog
     * builds up).
     */
    @Param({"250"})
    public int tickEvery;

    private PrimitiveInventoryStore store;
    private final EventBuffer events = new EventBuffer();
    private Command.ExpireReservations tick;
    private long now;

    /** A store sized for the window, listed and stocked once per trial. */
    @Setup(Level.Trial)
    public void stock() {
        boolean forever = "forever".equals(retainFor);
        long window = forever ? Long.MAX_VALUE : Long.parseLong(retainFor);
        tick = new Command.ExpireReservations(window);
        int orders = forever ? 1024 : (int) Math.min(window + 4L * tickEvery, Integer.MAX_VALUE / 2);
        store = new PrimitiveInventoryStore(new StoreCapacity(SKUS, orders, 2 * SKUS * CUSTOMERS));
        for (int sku = 0; sku < SKUS; sku++) {
            decideAndApply(new Command.ListProduct(sku, 0));
            decideAndApply(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
    }

    /** One purchase; every {@link #tickEvery}-th also a time command. */
    @Benchmark
    public int churn() {
        long order = ++now;
        int decided = decideAndApply(new Command.Purchase(order, order % CUSTOMERS, order % SKUS, 0, 1));
        if (order % tickEvery == 0) {
            decided += decideAndApply(tick);
        }
        return decided;
    }

    private int decideAndApply(Command command) {
        events.clear();
        Inventory.decide(command, now, store, events);
        Inventory.evolveAll(store, now, events);
        return events.size();
    }

    /** A store holding exactly {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders due to be forgotten. */
    @State(Scope.Thread)
    public static class FullTick {
        private static final long WINDOW = 1_000;
        private final PrimitiveInventoryStore store = new PrimitiveInventoryStore(
                new StoreCapacity(SKUS, 2 * Limits.MAX_FORGOTTEN_PER_COMMAND, 2 * SKUS * CUSTOMERS));
        private final EventBuffer events = new EventBuffer();
        private final Command.ExpireReservations tick = new Command.ExpireReservations(WINDOW);
        private long nextOrder;
        private long now;

        /** Lists and stocks the skus once. */
        @Setup(Level.Trial)
        public void stock() {
            for (int sku = 0; sku < SKUS; sku++) {
                apply(new Command.ListProduct(sku, 0), 0);
                apply(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY), 0);
            }
        }

        /** Buys the orders the next tick forgets, then moves the clock past their window. */
        @Setup(Level.Invocation)
        public void buy() {
            for (int i = 0; i < Limits.MAX_FORGOTTEN_PER_COMMAND; i++) {
                long order = ++nextOrder;
                apply(new Command.Purchase(order, order % CUSTOMERS, order % SKUS, 0, 1), now);
            }
            now += WINDOW + 1;
        }

        private void apply(Command command, long time) {
            events.clear();
            Inventory.decide(command, time, store, events);
            Inventory.evolveAll(store, time, events);
        }
    }

    /** Decides and applies one time command that forgets {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders. */
    @Benchmark
    @BenchmarkMode(Mode.SampleTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public int forgetTheMost(FullTick state) {
        state.events.clear();
        Inventory.decide(state.tick, state.now, state.store, state.events);
        Inventory.evolveAll(state.store, state.now, state.events);
        if (state.events.size() != Limits.MAX_FORGOTTEN_PER_COMMAND) {
            throw new IllegalStateException("the tick forgot " + state.events.size() + " orders, not "
                    + Limits.MAX_FORGOTTEN_PER_COMMAND);
        }
        return state.events.size();
    }
}
