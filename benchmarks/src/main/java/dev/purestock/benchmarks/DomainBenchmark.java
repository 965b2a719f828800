package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.engine.PrimitiveInventoryStore;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The pure domain on one thread: {@link Inventory#decide} into a reused {@link EventBuffer}, then
 * {@link Inventory#evolveAll} from it into a store, as the engine's decision stage does, for purchase-heavy
 * flash-sale traffic over {@link #skus} skus at two warehouses each; {@link #decideAndEvolveRecords} does the
 * same through the event records. One operation is one command.
 *
 * <p>The commands are generated once per trial from a fixed seed: one- or two-unit purchases by customers
 * drawn from a large pool, spread evenly over all skus, except that one purchase in ten goes to one of
 * {@value #HOT_SKUS} hot skus, which sell out within the first moments and are then rejected as out of stock;
 * half of the hot purchases come from a small pool of repeat buyers who also meet the per-customer limit
 * that every tenth sku (every hot one among them) has. One command in a hundred is a receipt. Every
 * iteration starts from a freshly stocked store, so each purchase is decided against a new order id. An
 * iteration that applies more commands than were generated would decide them again, as repeats answered as
 * already applied (a cheaper path than the one measured): the iteration then fails, naming the {@code -p commands}
 * to raise, rather than count them.
 *
 * <p>{@link #storeKind} picks the {@link InventoryStore} implementation; add a name to {@link StoreKind} and
 * to the {@code @Param} list to benchmark another store against the same traffic.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DomainBenchmark {
    private static final int WAREHOUSES = 2;
    private static final long STOCK_PER_POSITION = 24;
    private static final long RESTOCK = 8;
    private static final long PER_CUSTOMER_LIMIT = 2;
    private static final long LARGE_CUSTOMER_POOL = 10_000_000;
    private static final long REPEAT_BUYERS = 2_000;
    private static final int HOT_SKUS = 100;
    /** Entries per map of the {@code presized} store: more than the generated traffic can create. */
    private static final int PRESIZED_ENTRIES = 8_000_000;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /**
     * Which store the domain reads and writes; see {@link StoreKind} ({@code -p storeKind=presized} or
     * {@code sized} for the others).
     */
    @Param({"map", "primitive"})
    public String storeKind;

    /** How many skus the traffic spreads over. */
    @Param({"100000"})
    public int skus;

    /**
     * How purchases number their orders: {@code counter} hands out consecutive ids, as most services do;
     * {@code scattered} spreads the same ids over the whole id space (a bijection of the counter), as random or
     * hashed ids would be.
     */
    @Param({"counter"})
    public String orderIds;

    /**
     * How the skus without a limit (nine in ten) are listed: {@code counted}, counting each customer's units as
     * every listing did before the choice, or {@code uncounted} ({@code ListProduct.uncounted}), so that their
     * purchases neither read nor write a customer's count. The limited skus count in both.
     */
    @Param({"counted"})
    public String unlimitedSkus;

    /**
     * How many commands are generated before the run: more than an iteration decides and applies (2.4 M/s for 2 s
     * has been seen), and no more than the {@code presized} store holds.
     */
    @Param({"8000000"})
    public int commands;

    private Command[] traffic;
    private InventoryStore store;
    private final EventBuffer events = new EventBuffer();
    private int next;
    private long now;
    private long rejected;
    private long decided;
    private boolean wrapped;
    private long allocatedAfterSetup;

    /** The stores the benchmark knows by name. */
    enum StoreKind {
        /** The domain's reference store on JDK maps. */
        MAP(benchmark -> new MapInventoryStore()),
        /** The engine's store on Agrona's primitive-keyed maps. */
        PRIMITIVE(benchmark -> new PrimitiveInventoryStore()),
        /**
         * The engine's store sized ahead for {@value DomainBenchmark#PRESIZED_ENTRIES} entries per map, more than an
         * iteration's traffic creates, so nothing grows while commands are decided: what is left of the
         * allocation after setup is what deciding and applying themselves allocate.
         */
        PRESIZED(benchmark -> new PrimitiveInventoryStore(PRESIZED_ENTRIES)),
        /**
         * The engine's store sized as a service would size it for this sale ({@code storeCapacity}): the
         * benchmark's positions, and its commands as orders and customer counts, so nothing grows and the
         * tables of products and positions are no larger than the skus need.
         */
        SIZED(benchmark -> new PrimitiveInventoryStore(benchmark.skus * WAREHOUSES, benchmark.commands,
                benchmark.commands));

        private final Function<DomainBenchmark, InventoryStore> factory;

        StoreKind(Function<DomainBenchmark, InventoryStore> factory) {
            this.factory = factory;
        }

        static InventoryStore create(String name, DomainBenchmark benchmark) {
            return valueOf(name.toUpperCase(Locale.ROOT)).factory.apply(benchmark);
        }
    }

    /** Generates the traffic once per trial. */
    @Setup(Level.Trial)
    public void generateTraffic() {
        if (!"counter".equals(orderIds) && !"scattered".equals(orderIds)) {
            throw new IllegalArgumentException("orderIds must be counter or scattered, was " + orderIds);
        }
        EngineBenchmark.listing(0, unlimitedSkus); // refuses an unknown choice before the traffic is generated
        SplittableRandom random = new SplittableRandom(20_261_126L);
        traffic = new Command[commands];
        long movementId = skus * (long) WAREHOUSES;
        for (int i = 0; i < commands; i++) {
            boolean hot = random.nextInt(10) == 0;
            long sku = hot ? random.nextInt(HOT_SKUS) * 10L : random.nextLong(skus);
            int warehouse = random.nextInt(WAREHOUSES);
            if (i % 100 == 99) {
                traffic[i] = new Command.ReceiveStock(++movementId, random.nextLong(skus), warehouse, RESTOCK);
            } else {
                long customer = hot && random.nextBoolean()
                        ? random.nextLong(REPEAT_BUYERS)
                        : REPEAT_BUYERS + random.nextLong(LARGE_CUSTOMER_POOL);
                long quantity = 1 + random.nextInt(2);
                long orderId = "scattered".equals(orderIds) ? (i * 0x9E3779B97F4A7C15L) & Long.MAX_VALUE : i;
                traffic[i] = new Command.Purchase(orderId, customer, sku, warehouse, quantity);
            }
        }
    }

    /** Lists and stocks every sku in a fresh store, so every iteration decides the same traffic afresh. */
    @Setup(Level.Iteration)
    public void stockStore() {
        store = StoreKind.create(storeKind, this);
        long movementId = 0;
        for (long sku = 0; sku < skus; sku++) {
            if (sku % 10 == 0) {
                apply(new Command.ListProduct(sku, PER_CUSTOMER_LIMIT));
            } else {
                apply(EngineBenchmark.listing(sku, unlimitedSkus));
            }
            for (int warehouse = 0; warehouse < WAREHOUSES; warehouse++) {
                apply(new Command.ReceiveStock(++movementId, sku, warehouse, STOCK_PER_POSITION));
            }
        }
        next = 0;
        now = 1;
        rejected = 0;
        decided = 0;
        wrapped = false;
        allocatedAfterSetup = THREADS.getCurrentThreadAllocatedBytes();
    }

    /**
     * Reports the share of rejected commands and the bytes this thread allocated per command after the
     * iteration's setup (JMH's {@code gc.alloc.rate.norm} also counts the restocking of the store in
     * {@link #stockStore}); fails the iteration when the traffic ran out while it was applied.
     */
    @TearDown(Level.Iteration)
    public void reportMix() {
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedAfterSetup;
        System.out.printf("%n[%s] %,d commands decided, %.1f%% rejected, %.0f B/command after setup%n",
                storeKind, decided, 100.0 * rejected / Math.max(decided, 1), (double) allocated / Math.max(decided, 1));
        if (wrapped) {
            throw new IllegalStateException("the iteration decided and applied " + decided + " commands, more than the "
                    + commands + " generated: the rest were repeats, answered as already applied, not the traffic "
                    + "this row measures; raise -p commands above " + decided);
        }
    }

    /** Decides one command into a reused buffer and applies its events from there: what the engine's decision stage does per command. */
    @Benchmark
    public int decideAndEvolve() {
        events.clear();
        long time = now++;
        Inventory.decide(nextCommand(true), time, store, events);
        Inventory.evolveAll(store, time, events);
        decided++;
        if (events.firstRejection() >= 0) {
            rejected++;
        }
        return events.size();
    }

    /** {@link #decideAndEvolve} through the event records: the readable form, for comparison. */
    @Benchmark
    public int decideAndEvolveRecords() {
        long time = now++;
        List<Event> decidedEvents = Inventory.decide(nextCommand(true), time, store);
        Inventory.evolveAll(store, time, decidedEvents);
        decided++;
        if (decidedEvents.get(0) instanceof Event.Rejection) {
            rejected++;
        }
        return decidedEvents.size();
    }

    /**
     * Decides one command into a reused buffer and applies nothing: the rules and their reads alone, the
     * baseline that {@link #decideAndEvolve} is compared with. The store stays as stocked, so no sku runs out.
     */
    @Benchmark
    public int decideOnly() {
        events.clear();
        Inventory.decide(nextCommand(false), now++, store, events);
        decided++;
        if (events.firstRejection() >= 0) {
            rejected++;
        }
        return events.size();
    }

    /** The next command; running out of traffic matters only when the events are applied. */
    private Command nextCommand(boolean applying) {
        if (next == traffic.length) {
            next = 0;
            wrapped |= applying;
        }
        return traffic[next++];
    }

    private void apply(Command command) {
        Inventory.evolveAll(store, 0, Inventory.decide(command, 0, store));
    }
}
