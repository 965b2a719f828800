package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.lang.ref.Reference;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * The heap a shard's state keeps per remembered order, measured rather than counted: the retained heap (after
 * full collections) of a {@link PrimitiveInventoryStore} filled with one-line purchases, decided and applied one
 * by one as the decision stage does, at its default capacity and sized ahead with a {@link StoreCapacity}; then
 * the same orders in each structure on its own, so that the whole is broken down by part: the order book
 * ({@link OrderColumns}: rows, line pool and id index), its id index alone ({@link SegmentedLongMap}), the customer
 * counts (a {@link SegmentedLongMap} keyed {@code customer << 32 | sku}) and the read model's order statuses
 * ({@link OrderStatusTable}). The purchases are the latency harness's: order ids counted from 0, the customer
 * {@code orderId & 0xFFFFF}, a sku drawn at random, warehouse 0, one unit; every one is accepted and remembered.
 * In this package because the structures are package-private. Not a timed measurement: run it alone, with a heap
 * large enough for the orders ({@code -Xmx6g} for 4 million) and {@code -XX:+UseParallelGC}, whose heap use after
 * a full collection counts live objects alone.
 */
@CommandLine.Command(name = "store-footprint", mixinStandardHelpOptions = true,
        description = "Retained heap per remembered order, by structure.")
public final class StoreFootprint implements Callable<Integer> {
    private static final int WAREHOUSE = 0;
    private static final long CUSTOMERS_MASK = 0xFFFFF;

    @Option(names = "--orders", defaultValue = "2000000", description = "Orders remembered (default: ${DEFAULT-VALUE}).")
    private int orders;

    @Option(names = "--skus", defaultValue = "100000", description = "Skus listed and stocked (default: ${DEFAULT-VALUE}).")
    private int skus;

    /** Runs the measurement from the command line. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new StoreFootprint()).execute(args));
    }

    @Override
    public Integer call() {
        System.out.printf(Locale.ROOT, "orders=%d skus=%d (B/order: retained heap after full collections, per order)%n",
                orders, skus);
        double unsized = store(false);
        double sized = store(true);
        double book = orderBook();
        double index = map(false);
        double counts = map(true);
        double statuses = statusTable();
        System.out.printf(Locale.ROOT, "store, default capacity:             %6.1f B/order%n", unsized);
        System.out.printf(Locale.ROOT, "store, sized ahead (StoreCapacity):  %6.1f B/order (the sized tables included)%n",
                sized);
        System.out.printf(Locale.ROOT, "  order book (rows, lines, index):   %6.1f B/order%n", book);
        System.out.printf(Locale.ROOT, "    of which the id index:           %6.1f B/order%n", index);
        System.out.printf(Locale.ROOT, "  customer counts:                   %6.1f B/count%n", counts);
        System.out.printf(Locale.ROOT, "read model order statuses:           %6.1f B/order%n", statuses);
        System.out.printf(Locale.ROOT, "an engine with a snapshot stage (two stores and the read model): %.1f B/order%n",
                2 * unsized + statuses);
        return 0;
    }

    /** A store stocked with the skus and filled with the orders: its bytes per order, stock and catalog excluded. */
    private double store(boolean sizedAhead) {
        long before = retained();
        PrimitiveInventoryStore store = sizedAhead
                ? new PrimitiveInventoryStore(new StoreCapacity(2 * skus, orders, orders))
                : new PrimitiveInventoryStore();
        EventBuffer events = new EventBuffer();
        for (long sku = 0; sku < skus; sku++) {
            apply(store, new Command.ListProduct(sku, 0), events);
            apply(store, new Command.ReceiveStock(sku + 1, sku, WAREHOUSE, orders), events);
        }
        long stocked = sizedAhead ? before : retained();
        SplittableRandom random = new SplittableRandom(1);
        for (long id = 0; id < orders; id++) {
            events.clear();
            Inventory.decidePurchase(id, id & CUSTOMERS_MASK, random.nextLong(skus), WAREHOUSE, 1, id, store, events);
            Inventory.evolveAll(store, id, events);
        }
        double perOrder = perOrder(stocked, store);
        if (store.orderBook().size() != orders) {
            throw new IllegalStateException("only " + store.orderBook().size() + " of " + orders + " orders were kept");
        }
        return perOrder;
    }

    private static void apply(PrimitiveInventoryStore store, Command command, EventBuffer events) {
        events.clear();
        Inventory.decide(command, 0, store, events);
        Inventory.evolveAll(store, 0, events);
    }

    /** The order book alone, at its default size, each order put and touched as the store does. */
    private double orderBook() {
        long before = retained();
        OrderColumns book = new OrderColumns(StoreCapacity.DEFAULT.orders());
        SplittableRandom random = new SplittableRandom(1);
        for (long id = 0; id < orders; id++) {
            book.put(new Order(id, id & CUSTOMERS_MASK, OrderStatus.PURCHASED,
                    List.of(new Line(random.nextLong(skus), WAREHOUSE, 1)), 0, id));
            book.touch(id, id);
        }
        return perOrder(before, book);
    }

    /** The order ids ({@code customerCounts} false) or the customer counts' keys in a default-sized map. */
    private double map(boolean customerCounts) {
        long before = retained();
        SegmentedLongMap map = new SegmentedLongMap(customerCounts ? 0 : -1, StoreCapacity.DEFAULT.orders());
        SplittableRandom random = new SplittableRandom(1);
        for (long id = 0; id < orders; id++) {
            long sku = random.nextLong(skus);
            map.put(customerCounts ? (id & CUSTOMERS_MASK) << 32 | sku : id, 1);
        }
        return perOrder(before, map);
    }

    /** The read model's order statuses, grown from one segment as the read model's are. */
    private double statusTable() {
        long before = retained();
        OrderStatusTable table = new OrderStatusTable();
        for (long id = 0; id < orders; id++) {
            table.put(id, (byte) OrderStatus.PURCHASED.code());
        }
        return perOrder(before, table);
    }

    /** The bytes retained since {@code before}, per order, with {@code filled} still reachable while measured. */
    private double perOrder(long before, Object filled) {
        long after = retained();
        Reference.reachabilityFence(filled);
        return (double) (after - before) / orders;
    }

    /** The heap in use after full collections. */
    private static long retained() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
