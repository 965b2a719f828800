package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecisionScratch;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Atomic batches on one thread, as the engine's decision stage decides and applies them: a cart checkout of
 * {@value #CART} purchases of different skus by one customer ({@link Command.Batch.Mode#ATOMIC}), one batch per
 * operation, each a time unit after the last, into a reused {@link EventBuffer} with a reused
 * {@link DecisionScratch}.
 *
 * <p>Steady state: every {@link #TICK_EVERY} batches a time command forgets the orders older than
 * {@link #retainFor} time units, so the store keeps about {@code retainFor * CART} orders and reuses the rows of
 * those it forgets; it is sized for them and for every customer count the traffic makes, so nothing of the state
 * grows and {@code -prof gc}'s {@code gc.alloc.rate.norm} is what deciding and applying one batch (and its share of
 * a time command) allocates. The batches are built once per trial: a ring of {@link #RING} carts whose order ids
 * come round again only long after the time command forgot them, so each batch is accepted (a batch that is not
 * fails the run).
 *
 * <p>{@link #fourPurchases} decides the same four purchases one by one, without the batch: the difference is what
 * deciding them together costs.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class BatchBenchmark {
    private static final int SKUS = 64;
    private static final int CUSTOMERS = 10_000;
    private static final int CART = 4;
    /** Carts between two time commands: {@code CART * TICK_EVERY} orders, within what one may forget. */
    private static final int TICK_EVERY = Limits.MAX_FORGOTTEN_PER_COMMAND / CART - 1;
    /** Carts built ahead; an order id comes round again after this many batches. */
    private static final int RING = 1 << 16;

    /** The retention window in time units, one per batch; well short of {@link #RING}. */
    @Param({"10000"})
    public int retainFor;

    private PrimitiveInventoryStore store;
    private final EventBuffer events = new EventBuffer();
    private final DecisionScratch scratch = new DecisionScratch();
    private Command.Batch[] carts;
    private Command.ExpireReservations tick;
    private long now;

    /** Builds the carts, and a store sized for the window, listed and stocked once per trial. */
    @Setup(Level.Trial)
    public void stock() {
        if (retainFor <= 0 || retainFor + 2L * TICK_EVERY >= RING) {
            throw new IllegalArgumentException("retainFor must be 1.." + (RING - 2 * TICK_EVERY - 1) + ", was "
                    + retainFor);
        }
        carts = new Command.Batch[RING];
        for (int cart = 0; cart < RING; cart++) {
            List<Command> purchases = new ArrayList<>(CART);
            for (int line = 0; line < CART; line++) {
                long order = (long) cart * CART + line;
                purchases.add(new Command.Purchase(order, cart % CUSTOMERS, (cart + line) % SKUS, 0, 1));
            }
            carts[cart] = new Command.Batch(Command.Batch.Mode.ATOMIC, purchases);
        }
        tick = new Command.ExpireReservations(retainFor);
        int orders = (retainFor + 4 * TICK_EVERY) * CART;
        store = new PrimitiveInventoryStore(new StoreCapacity(SKUS, orders, SKUS * CUSTOMERS));
        for (int sku = 0; sku < SKUS; sku++) {
            decideAndApply(new Command.ListProduct(sku, 0));
            decideAndApply(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
    }

    /** One cart checkout as an atomic batch; every {@link #TICK_EVERY}-th also a time command. */
    @Benchmark
    public int checkout() {
        Command.Batch cart = carts[(int) (++now % RING)];
        int decided = decideAndApply(cart);
        if (decided != CART || events.firstRejection() >= 0) {
            throw new IllegalStateException("the cart at " + now + " was not accepted whole: " + events.toEvents());
        }
        return decided + tickIfDue();
    }

    /** The same four purchases, each decided and applied on its own. */
    @Benchmark
    public int fourPurchases() {
        Command.Batch cart = carts[(int) (++now % RING)];
        int decided = 0;
        for (int i = 0; i < CART; i++) {
            decided += decideAndApply(cart.commands().get(i));
        }
        return decided + tickIfDue();
    }

    private int tickIfDue() {
        return now % TICK_EVERY == 0 ? decideAndApply(tick) : 0;
    }

    private int decideAndApply(Command command) {
        events.clear();
        Inventory.decide(command, now, store, events, scratch);
        Inventory.evolveAll(store, now, events);
        return events.size();
    }
}
