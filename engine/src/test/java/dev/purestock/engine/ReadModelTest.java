package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Event.PurchaseAccepted;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Readers query while producers buy: they never see more sold than stock, and callers read their writes. */
class ReadModelTest {
    private static final long SKU = 9;
    private static final long STOCK = 1_000;
    private static final int PRODUCERS = 4;
    private static final int ATTEMPTS_PER_PRODUCER = 1_000;

    @Test
    void queriesDuringARunNeverSeeMoreSoldThanStockAndCallersReadTheirOwnWrites() throws Exception {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            ReadModel readModel = engine.readModel();
            assertEquals(InventoryState.NO_POSITION, readModel.available(SKU, 0));
            engine.submit(list(SKU)).join();
            engine.submit(receive(1, SKU, 0, STOCK)).join();

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicReference<String> readerViolation = new AtomicReference<>();
            AtomicLong reads = new AtomicLong();
            Thread reader = Thread.ofPlatform().start(() -> {
                long previous = STOCK;
                while (running.get()) {
                    long available = readModel.available(SKU, 0);
                    long sold = STOCK - available;
                    if (available < 0 || sold > STOCK || available > previous) {
                        readerViolation.compareAndSet(null, "read " + available + " after " + previous);
                    }
                    previous = available;
                    reads.incrementAndGet();
                    Thread.yield();
                }
            });

            AtomicLong accepted = new AtomicLong();
            AtomicReference<String> producerViolation = new AtomicReference<>();
            Thread[] producers = new Thread[PRODUCERS];
            for (int p = 0; p < PRODUCERS; p++) {
                int first = p * ATTEMPTS_PER_PRODUCER;
                producers[p] = Thread.ofPlatform().start(() -> {
                    for (int i = first; i < first + ATTEMPTS_PER_PRODUCER; i++) {
                        Outcome outcome = engine.submit(new Command.Purchase(i, i, SKU, 0, 1)).join();
                        if (outcome.events().getFirst() instanceof PurchaseAccepted purchase) {
                            accepted.incrementAndGet();
                            long afterMine = purchase.lines().getFirst().available();
                            long seen = readModel.available(SKU, 0);
                            if (seen > afterMine) {
                                producerViolation.compareAndSet(null, "order " + i + " left " + afterMine
                                        + " but the read model then showed " + seen);
                            }
                            if (readModel.orderStatus(i) != OrderStatus.PURCHASED) {
                                producerViolation.compareAndSet(null, "order " + i + " not in the read model");
                            }
                        }
                    }
                });
            }
            for (Thread producer : producers) {
                producer.join();
            }
            running.set(false);
            reader.join();

            assertNull(readerViolation.get());
            assertNull(producerViolation.get());
            assertEquals(STOCK, accepted.get());
            assertEquals(0, readModel.available(SKU, 0));
            assertEquals(1 + PRODUCERS * ATTEMPTS_PER_PRODUCER, readModel.lastSequence(0));
            assertNull(readModel.orderStatus(PRODUCERS * ATTEMPTS_PER_PRODUCER + 1L));
            assertEquals(true, reads.get() > 0);
        }
    }

    /**
     * Readers ask for orders while the engine places, cancels and forgets them (retention), round after round, through
     * the splits and compactions of the shard's order table. Each order's statuses, as each reader sees them, follow
     * the order of what happened to it (none, purchased, cancelled, none again: an id is never placed twice here), and
     * an order stored throughout a query (answered before it began, not yet sent to be forgotten when it ended) is
     * always found.
     */
    @Test
    void readersFollowEachOrdersStatusesInOrderWhileOrdersArePlacedCancelledAndForgotten() throws Exception {
        int rounds = 400;
        int perRound = 200;
        AtomicLong clock = new AtomicLong();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO)
                .retainOrdersFor(Duration.ofMillis(1)).build()) {
            engine.submit(list(SKU)).join();
            engine.submit(receive(1, SKU, 0, (long) rounds * perRound)).join();
            ReadModel readModel = engine.readModel();
            // orders below answeredBelow were answered; those below forgettingBelow may be forgotten from then on
            AtomicLong answeredBelow = new AtomicLong();
            AtomicLong forgettingBelow = new AtomicLong();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicReference<String> violation = new AtomicReference<>();
            Thread[] readers = new Thread[2];
            for (int r = 0; r < readers.length; r++) {
                int stride = r + 1;
                readers[r] = Thread.ofPlatform().start(() -> {
                    int orders = rounds * perRound;
                    int[] seen = new int[orders]; // per order: 0 nothing yet, 1 purchased, 2 cancelled, 3 gone
                    int step = 0;
                    while (running.get() && violation.get() == null) {
                        // mostly the orders of this round and the last: those being placed, cancelled, forgotten
                        step += stride;
                        long answered = answeredBelow.get();
                        int id = (int) Math.floorMod(forgettingBelow.get() - perRound + step % (3 * perRound), orders);
                        OrderStatus status = readModel.orderStatus(id);
                        long forgetting = forgettingBelow.get();
                        int now = status == null ? (seen[id] == 0 ? 0 : 3)
                                : status == OrderStatus.PURCHASED ? 1 : status == OrderStatus.CANCELLED ? 2 : -1;
                        if (now < seen[id]) {
                            violation.compareAndSet(null, "order " + id + " read " + status + " after phase " + seen[id]);
                        } else if (status == null && id < answered && id >= forgetting) {
                            violation.compareAndSet(null, "order " + id + " stored throughout the query was missed");
                        }
                        seen[id] = Math.max(seen[id], now);
                    }
                });
            }
            for (int round = 0; round < rounds; round++) {
                clock.set(10L * round);
                forgettingBelow.set((long) round * perRound);
                engine.submit(new Command.ExpireReservations(1)).join(); // forgets the round before, all past the window
                List<Command> purchases = new ArrayList<>();
                List<Command> cancels = new ArrayList<>();
                for (int order = round * perRound; order < (round + 1) * perRound; order++) {
                    purchases.add(new Command.Purchase(order, order, SKU, 0, 1));
                    if (order % 2 == 0) {
                        cancels.add(new Command.CancelPurchase(order));
                    }
                }
                engine.submitAll(purchases).forEach(answer -> assertTrue(answer.join().accepted()));
                answeredBelow.set((long) (round + 1) * perRound);
                engine.submitAll(cancels).forEach(answer -> assertTrue(answer.join().accepted()));
            }
            running.set(false);
            for (Thread reader : readers) {
                reader.join();
            }
            assertNull(violation.get());
            assertNull(readModel.orderStatus((long) (rounds - 2) * perRound), "forgotten");
            assertEquals(OrderStatus.CANCELLED, readModel.orderStatus((long) (rounds - 1) * perRound));
            assertEquals(OrderStatus.PURCHASED, readModel.orderStatus((long) (rounds - 1) * perRound + 1));
        }
    }

    /**
     * The README says the queries other than {@code heldCommands()} allocate nothing; {@code available} has its own
     * check ({@link ReadModelPositionsTest}). Orders found, never seen and forgotten (a tombstone on the probe), across
     * two shards, holds found and missing, and last sequences: under one byte per query on the reading thread.
     */
    @Test
    void orderHoldAndSequenceQueriesAllocateNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assertTrue(threads.isThreadAllocatedMemorySupported() && threads.isThreadAllocatedMemoryEnabled(),
                "this JVM counts the bytes a thread allocates");
        int orders = 20_000;
        ReadModel readModel = new ReadModel(2);
        for (int shard = 0; shard < 2; shard++) {
            ReadModel.Writer writer = readModel.writer(shard);
            for (int order = shard; order < orders; order += 2) {
                writer.apply(order, List.<Event>of(new PurchaseAccepted(order, 1, List.of(), 0)));
                if (order % 3 == 0) {
                    writer.apply(order, List.<Event>of(new Event.OrderForgotten(order)));
                }
            }
            writer.apply(orders, List.of(held(new HeldCommand(shard + 1, 5, new Command.CancelPurchase(1)))));
        }
        int queries = 400_000;
        long found = queries(readModel, orders, queries);
        long before = threads.getCurrentThreadAllocatedBytes();
        found += queries(readModel, orders, queries);
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(found > 0);
        assertTrue(allocated < queries, allocated + " bytes allocated by " + queries + " queries of each kind");
    }

    /** {@code count} queries of each kind: orders held, forgotten and never seen, holds held and not, sequences. */
    private static long queries(ReadModel readModel, int orders, int count) {
        long found = 0;
        for (int i = 0; i < count; i++) {
            found += readModel.orderStatus(i % (orders + orders / 4)) == null ? 0 : 1;
            found += readModel.heldCommand(i % 4) == null ? 0 : 1;
            found += readModel.lastSequence(i & 1);
        }
        return found;
    }

    @Test
    void aSkuOrWarehouseOutsideItsRangeIsRefusedInsteadOfReadingAnotherPosition() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(7)).join();
            engine.submit(receive(1, 7, 3, 40)).join();
            ReadModel readModel = engine.readModel();
            assertEquals(40, readModel.available(7, 3));

            // both keys pack to sku 7 at warehouse 3: sku 6 with a warehouse past 17 bits, a sku past 47 bits
            IllegalArgumentException warehouse = assertThrows(IllegalArgumentException.class,
                    () -> readModel.available(6, (1 << 17) + 3));
            assertEquals("warehouse " + ((1 << 17) + 3) + " is outside 0.." + Limits.MAX_WAREHOUSE, warehouse.getMessage());
            IllegalArgumentException sku = assertThrows(IllegalArgumentException.class,
                    () -> readModel.available((1L << 47) + 7, 3));
            assertEquals("sku " + ((1L << 47) + 7) + " is outside 0.." + Limits.MAX_SKU, sku.getMessage());
            assertThrows(IllegalArgumentException.class, () -> readModel.available(-1, 3));
            assertThrows(IllegalArgumentException.class, () -> readModel.available(7, -1));
            assertEquals(InventoryState.NO_POSITION, readModel.available(Limits.MAX_SKU, Limits.MAX_WAREHOUSE));
        }
    }

    /** A shard the engine does not have is refused by name, not with a bare index error from the array behind it. */
    @Test
    void aShardOutsideTheEnginesIsRefusedByName() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).expireReservationsEvery(Duration.ZERO)
                .build()) {
            ReadModel readModel = engine.readModel();
            assertEquals(-1, readModel.lastSequence(1));
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> readModel.lastSequence(2));
            assertEquals("shard 2 is outside 0..1", refused.getMessage());
            assertThrows(IllegalArgumentException.class, () -> readModel.lastSequence(-1));
        }
    }

    /**
     * Each shard's counter of its last sequence, written by its completion thread and read by others, lies 128 bytes
     * or more from every other shard's and from either end of their array: no two shards' share a cache line or its
     * prefetched pair. Each shard still reads back its own, and its orders are its own.
     */
    @Test
    void eachShardsCountersHaveCacheLinesOfTheirOwnAndKeepTheirOwnValues() {
        int shards = 4;
        ReadModel readModel = new ReadModel(shards);
        for (int shard = 0; shard < shards; shard++) {
            int index = ReadModel.counter(shard);
            assertTrue(index * Long.BYTES >= 128, "room before shard " + shard + "'s counter");
            assertTrue((readModel.countersLength() - 1 - index) * Long.BYTES >= 128,
                    "room after shard " + shard + "'s counter");
            for (int other = 0; other < shards; other++) {
                if (other != shard) {
                    int apart = Math.abs(index - ReadModel.counter(other)) * Long.BYTES;
                    assertTrue(apart >= 128, "shards " + shard + " and " + other + ": " + apart + " bytes apart");
                }
            }
        }
        for (int shard = 0; shard < shards; shard++) {
            ReadModel.Writer writer = readModel.writer(shard);
            for (int order = 0; order <= shard; order++) {
                writer.apply(10L * shard + order, List.<Event>of(new Event.StockReserved(100L * shard + order, 1,
                        List.of(), 0, 0)));
            }
            writer.apply(10L * shard + shard + 1, List.<Event>of(new PurchaseAccepted(100L * shard + 50, 1, List.of(), 0),
                    new PurchaseAccepted(100L * shard + 51, 1, List.of(), 0)));
        }
        for (int shard = 0; shard < shards; shard++) {
            assertEquals(10L * shard + shard + 1, readModel.lastSequence(shard));
            for (int order = 0; order <= shard; order++) {
                assertEquals(OrderStatus.RESERVED, readModel.orderStatus(100L * shard + order));
                assertEquals(shard, readModel.orderShard(100L * shard + order));
            }
            assertNull(readModel.orderStatus(100L * shard + shard + 1), "no more reservations than applied");
            assertEquals(OrderStatus.PURCHASED, readModel.orderStatus(100L * shard + 50));
            assertEquals(OrderStatus.PURCHASED, readModel.orderStatus(100L * shard + 51));
        }
    }

    /**
     * Each shard keeps the commands it holds: a hold id is found on the shard holding it, the list of every held
     * command spans the shards by time and then id, a released or cancelled hold is gone from its shard alone, and a
     * hold id held again after its release is found again.
     */
    @Test
    void heldCommandsAreFoundOnTheirShardsAndListedAcrossThemByTimeThenId() {
        ReadModel readModel = new ReadModel(3);
        HeldCommand early = new HeldCommand(30, 5, new Command.Purchase(300, 1, SKU, 0, 1));
        HeldCommand tie = new HeldCommand(20, 9, new Command.CancelHold(1));
        HeldCommand late = new HeldCommand(10, 9, new Command.ReceiveStock(100, SKU, 2, 1));
        ReadModel.Writer shard1 = readModel.writer(1);
        ReadModel.Writer shard2 = readModel.writer(2);
        shard2.apply(0, List.of(held(late), held(early)));
        shard1.apply(0, List.of(held(tie)));

        assertEquals(2, readModel.holdShard(30));
        assertEquals(1, readModel.holdShard(20));
        assertEquals(2, readModel.holdShard(10));
        assertEquals(-1, readModel.holdShard(40));
        assertEquals(tie, readModel.heldCommand(20));
        assertEquals(List.of(early, late, tie), readModel.heldCommands(), "by time, then id");
        assertEquals(2, readModel.orderOrHeldOrderShard(300), "the held purchase's order goes where it is held");

        shard2.apply(1, List.of(new Event.HoldReleased(30), new Event.HoldCancelled(10)));
        shard1.apply(1, List.of(new Event.HoldCancelled(20)));
        assertEquals(-1, readModel.holdShard(30));
        assertNull(readModel.heldCommand(10));
        assertEquals(List.of(), readModel.heldCommands());
        assertEquals(-1, readModel.orderOrHeldOrderShard(300), "a released purchase that made no order leaves none");

        readModel.writer(0).apply(0, List.of(held(early)));
        assertEquals(0, readModel.holdShard(30), "a hold id held again after its release is found again");
        assertEquals(List.of(early), readModel.heldCommands());
    }

    private static Event held(HeldCommand command) {
        return new Event.CommandHeld(command.holdId(), command.at(), command.command());
    }
}
