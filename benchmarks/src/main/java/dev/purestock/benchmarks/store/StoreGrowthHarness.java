package dev.purestock.benchmarks.store;

import dev.purestock.benchmarks.latency.GcPauses;
import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.StoreCapacity;
import org.HdrHistogram.Histogram;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * The decision thread's longest stall while the engine's store grows: purchases decided and applied one by one
 * (as the decision stage does) into a fresh {@link PrimitiveInventoryStore} left at its default capacity, every
 * purchase accepted, so every one adds an order and, from a customer pool far larger than the run, a customer
 * count. Each command is timed on its own. A store whose tables double copies all their entries inside one
 * command; a store that grows by segments or chunks spreads the same growth over many. The collector's pauses
 * in the same stretch are reported beside it, because a pause also stops the thread.
 */
@CommandLine.Command(name = "store-growth", mixinStandardHelpOptions = true,
        description = "The longest single decide + evolve while a default-sized store grows.")
public final class StoreGrowthHarness implements Callable<Integer> {
    private static final int WAREHOUSES = 2;
    private static final long CUSTOMERS = 1L << 31;
    private static final long STALL_NANOS = 1_000_000;
    private static final long CLOCK_MARGIN_NANOS = 2_000_000;

    @Option(names = "--commands", defaultValue = "4000000", description = "Purchases per round (default: ${DEFAULT-VALUE}).")
    private int commands;

    @Option(names = "--skus", defaultValue = "100000", description = "Skus stocked before each round (default: ${DEFAULT-VALUE}).")
    private int skus;

    @Option(names = "--rounds", defaultValue = "3", description = "Rounds, each into a fresh store (default: ${DEFAULT-VALUE}).")
    private int rounds;

    @Option(names = "--sized", description = "Size the store for the round ahead (the baseline without growth).")
    private boolean sized;

    /** Runs the measurement from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StoreGrowthHarness()).execute(args));
    }

    @Override
    public Integer call() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        EventBuffer events = new EventBuffer();
        List<Round> done = new ArrayList<>();
        try (GcPauses pauses = GcPauses.start()) {
            for (int round = 1; round <= rounds; round++) {
                PrimitiveInventoryStore store = sized
                        ? new PrimitiveInventoryStore(new StoreCapacity(skus * WAREHOUSES, commands, commands))
                        : new PrimitiveInventoryStore();
                stock(store);
                SplittableRandom random = new SplittableRandom(round);
                Round measured = new Round(round, new Histogram(60_000_000_000L, 3), new ArrayList<>());
                long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                long start = System.nanoTime();
                for (int i = 0; i < commands; i++) {
                    long customer = random.nextLong(CUSTOMERS);
                    long sku = random.nextLong(skus);
                    int warehouse = random.nextInt(WAREHOUSES);
                    long before = System.nanoTime();
                    events.clear();
                    Inventory.decidePurchase(i, customer, sku, warehouse, 1, i, store, events);
                    Inventory.evolveAll(store, i, events);
                    long nanos = System.nanoTime() - before;
                    measured.took.recordValue(nanos);
                    if (nanos > STALL_NANOS) {
                        measured.stalls.add(new Stall(Instant.now(), nanos));
                    }
                }
                measured.seconds = (System.nanoTime() - start) / 1e9;
                measured.bytesPerCommand = (double) (threads.getCurrentThreadAllocatedBytes() - allocatedBefore) / commands;
                done.add(measured);
            }
            pauses.stop();
            for (Round round : done) {
                report(round, pauses);
            }
        }
        return 0;
    }

    /**
     * Prints one round. A stall counts as the store's own when no collector pause started within it (widened by
     * {@link #CLOCK_MARGIN_NANOS} on each side, for the two clocks' disagreement). A growth that allocates enough
     * to set off a collection inside its own command is counted as the collector's, so the figure errs toward
     * fewer and shorter stalls of the store's own.
     */
    private void report(Round round, GcPauses pauses) {
        long ownStalls = 0;
        long longestOwn = 0;
        for (Stall stall : round.stalls) {
            Instant from = stall.ended().minusNanos(stall.nanos() + CLOCK_MARGIN_NANOS);
            Instant to = stall.ended().plusNanos(CLOCK_MARGIN_NANOS);
            GcPauses.Summary gc = pauses.between(from, to);
            if (gc.known() && gc.count() == 0) {
                ownStalls++;
                longestOwn = Math.max(longestOwn, stall.nanos());
            }
        }
        Histogram took = round.took;
        System.out.printf(Locale.ROOT, "round=%d store=%s commands=%d rate=%.0f/s p50=%.2f µs p99=%.2f µs "
                        + "p99.99=%.1f µs max=%.1f ms; over 1 ms: %d, of which %d without a GC pause, the longest of "
                        + "those %.1f ms; B/command=%.1f%n",
                round.number, sized ? "sized" : "default", commands, commands / round.seconds,
                took.getValueAtPercentile(50) / 1e3, took.getValueAtPercentile(99) / 1e3,
                took.getValueAtPercentile(99.99) / 1e3, took.getMaxValue() / 1e6, round.stalls.size(), ownStalls,
                longestOwn / 1e6, round.bytesPerCommand);
    }

    /** A command over 1 ms: when it ended, on the wall clock JFR's events are dated by, and how long it took. */
    private record Stall(Instant ended, long nanos) {
    }

    /** One round's timings: every command's, and each one over 1 ms. */
    private static final class Round {
        final int number;
        final Histogram took;
        final List<Stall> stalls;
        double seconds;
        double bytesPerCommand;

        Round(int number, Histogram took, List<Stall> stalls) {
            this.number = number;
            this.took = took;
            this.stalls = stalls;
        }
    }

    private void stock(PrimitiveInventoryStore store) {
        EventBuffer events = new EventBuffer();
        long movement = 0;
        for (long sku = 0; sku < skus; sku++) {
            apply(store, new Command.ListProduct(sku, 0), events);
            for (int warehouse = 0; warehouse < WAREHOUSES; warehouse++) {
                apply(store, new Command.ReceiveStock(++movement, sku, warehouse, commands), events);
            }
        }
    }

    private static void apply(PrimitiveInventoryStore store, Command command, EventBuffer events) {
        events.clear();
        Inventory.decide(command, 0, store, events);
        Inventory.evolveAll(store, 0, events);
    }
}
