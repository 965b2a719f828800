package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.Product;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decision stage's reading ahead ({@link WarmAhead}): which slots it reads, and that the decisions and the
 * state are the same with it as without it.
 */
class WarmAheadTest {
    private static final int FIRST = 1_000;

    @Test
    void aBatchIsReadAheadAGroupAtATimeEachSlotOnceAndNothingPastItsEnd() {
        List<Long> read = new ArrayList<>();
        WarmAhead warmAhead = new WarmAhead(recording(read), new PrimitiveInventoryStore());

        int batch = 2 * WarmAhead.GROUP + 5;
        warmAhead.batchStarting(batch);
        for (long sequence = FIRST; sequence < FIRST + batch; sequence++) {
            warmAhead.before(sequence);
        }

        assertEquals(sequences(FIRST, FIRST + batch), read, "every slot of the batch, in order, once");
    }

    @Test
    void aBatchOfOneCommandReadsNothingAhead() {
        List<Long> read = new ArrayList<>();
        WarmAhead warmAhead = new WarmAhead(recording(read), new PrimitiveInventoryStore());

        warmAhead.batchStarting(1);
        warmAhead.before(FIRST);
        warmAhead.batchStarting(1);
        warmAhead.before(FIRST + 1);

        assertEquals(List.of(), read);
    }

    @Test
    void aGroupStartingAtABatchsLastSlotIsNotRead() {
        List<Long> read = new ArrayList<>();
        WarmAhead warmAhead = new WarmAhead(recording(read), new PrimitiveInventoryStore());

        int batch = WarmAhead.GROUP + 1;
        warmAhead.batchStarting(batch);
        for (long sequence = FIRST; sequence < FIRST + batch; sequence++) {
            warmAhead.before(sequence);
        }
        warmAhead.batchStarting(3); // the next batch starts where this one ended
        for (long sequence = FIRST + batch; sequence < FIRST + batch + 3; sequence++) {
            warmAhead.before(sequence);
        }

        List<Long> expected = new ArrayList<>(sequences(FIRST, FIRST + WarmAhead.GROUP));
        expected.addAll(sequences(FIRST + batch, FIRST + batch + 3));
        assertEquals(expected, read, "the first batch's last slot alone is decided without reading ahead");
    }

    @Test
    void readingAheadKeepsWhatItReadAndChangesNothingInTheStore() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        decideInBatches(store, stockedSkus(), false);
        long before = StateDigest.of(store);
        CommandSlot[] slots = slotsOf(List.of(
                new Command.Purchase(1, 7, 1, 0, 1),
                new Command.CancelPurchase(99),
                new Command.PlaceOrder(2, 7, List.of(new Line(2, 0, 1), new Line(3, 0, 1)))));
        WarmAhead warmAhead = new WarmAhead(ringSequence -> slots[(int) ringSequence], store);

        warmAhead.batchStarting(slots.length);
        warmAhead.before(0);

        assertEquals(before, StateDigest.of(store));
        assertNotEquals(0, warmAhead.kept(), "the stocked positions it read are kept");
    }

    /**
     * A purchase's product and its position lie in one run of the store's table only at the warehouses whose
     * position key differs from the product's in its last bits alone (0 .. {@code RUN_KEYS - 2}); at any other the
     * product, which the rules read first, lies elsewhere and is read ahead too. What the reads return is summed, so
     * the sum shows which were made: the order's place, the position, the customer's count and the product's limit.
     */
    @Test
    void aPurchaseAtAWarehouseWhosePositionLiesApartFromItsProductReadsTheProductAhead() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        store.putProduct(new Product(5, 3));
        store.putCustomerUnits(7, 5, 2);
        int[] apart = {SegmentedLongMap.RUN_KEYS - 1, SegmentedLongMap.RUN_KEYS + 2, Limits.MAX_WAREHOUSE};
        for (int warehouse : apart) {
            store.putAvailable(5, warehouse, 100L + warehouse);
        }

        for (int warehouse : apart) {
            long expected = store.warmOrder(1) + 3 + (100L + warehouse) + 2;
            assertEquals(expected, store.warmPurchase(1, 7, 5, warehouse), "warehouse " + warehouse);
            assertEquals(3 + (100L + warehouse) + 2, store.warmLine(7, 5, warehouse), "warehouse " + warehouse);
        }
    }

    @Test
    void theDecisionsAndTheStateAreTheSameWithReadingAheadAsWithout() {
        List<Command> commands = new ArrayList<>(stockedSkus());
        for (long order = 1; order <= 200; order++) {
            commands.add(new Command.Purchase(order, order % 7, order % 5, 0, 1 + order % 3));
            if (order % 25 == 0) {
                commands.add(new Command.ExpireReservations(40)); // forgets the orders of 40 commands before
            }
            if (order % 10 == 0) {
                commands.add(new Command.Purchase(order, order % 7, order % 5, 0, 1 + order % 3)); // a repeat
                commands.add(new Command.Purchase(order, 8, 1, 0, 1));                               // a reused id
                commands.add(new Command.CancelPurchase(order - 3));
                commands.add(new Command.PlaceOrder(10_000 + order, order % 7,
                        List.of(new Line(order % 5, 0, 1), new Line((order + 1) % 5, 0, 2))));
            }
        }

        PrimitiveInventoryStore without = new PrimitiveInventoryStore();
        PrimitiveInventoryStore with = new PrimitiveInventoryStore();
        List<List<Event>> decidedWithout = decideInBatches(without, commands, false);
        List<List<Event>> decidedWith = decideInBatches(with, commands, true);

        assertEquals(decidedWithout, decidedWith);
        assertEquals(StateDigest.of(without), StateDigest.of(with));
        assertTrue(decidedWith.stream().flatMap(List::stream).anyMatch(Event.OrderForgotten.class::isInstance),
                "the time commands forgot orders");
    }

    /** Lists five skus, each with 40 units at warehouse 0, and a limit of 3 per customer on sku 4. */
    private static List<Command> stockedSkus() {
        List<Command> commands = new ArrayList<>();
        for (long sku = 0; sku < 5; sku++) {
            commands.add(new Command.ListProduct(sku, sku == 4 ? 3 : 0));
            commands.add(new Command.ReceiveStock(sku + 1, sku, 0, 40));
        }
        return commands;
    }

    /**
     * Decides {@code commands} through a {@link DecisionHandler} over {@code store}, in batches of 37 slots (as the
     * Disruptor hands them: {@code onBatchStart}, then each slot) when {@code batched}, else one slot at a time, on a
     * clock that moves on by one for each command; returns each command's events.
     */
    private static List<List<Event>> decideInBatches(PrimitiveInventoryStore store, List<Command> commands,
                                                     boolean batched) {
        CommandSlot[] slots = slotsOf(commands);
        ShardCounters counters = new ShardCounters(8);
        long[] clock = {0};
        DecisionHandler decision = new DecisionHandler(0, new ShardHealth(0, new Intake()),
                new ShardState(store, 0, 0), () -> ++clock[0], counters.decision, new DueTimes(1, 86_400_000, 1_000),
                ringSequence -> slots[(int) ringSequence]);
        List<List<Event>> decided = new ArrayList<>();
        int batch = batched ? 37 : 1;
        for (int start = 0; start < slots.length; start += batch) {
            int end = Math.min(start + batch, slots.length);
            decision.onBatchStart(end - start, end - start);
            for (int sequence = start; sequence < end; sequence++) {
                decision.onEvent(slots[sequence], sequence, sequence == end - 1);
                decided.add(slots[sequence].decision.events.toEvents());
            }
        }
        return decided;
    }

    private static CommandSlot[] slotsOf(List<Command> commands) {
        CommandSlot[] slots = new CommandSlot[commands.size()];
        for (int i = 0; i < slots.length; i++) {
            slots[i] = new CommandSlot();
            slots[i].request.command(commands.get(i), null, null);
        }
        return slots;
    }

    private static LongFunction<CommandSlot> recording(List<Long> read) {
        CommandSlot purchase = new CommandSlot();
        purchase.request.command(new Command.Purchase(1, 1, 1, 0, 1), null, null);
        return ringSequence -> {
            read.add(ringSequence);
            return purchase;
        };
    }

    private static List<Long> sequences(long from, long to) {
        List<Long> sequences = new ArrayList<>();
        for (long sequence = from; sequence < to; sequence++) {
            sequences.add(sequence);
        }
        return sequences;
    }
}
