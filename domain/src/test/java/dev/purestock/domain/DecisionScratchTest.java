package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One {@link DecisionScratch} handed to every decision, as a shard's decision stage does, decides exactly as a fresh
 * one each time: time commands that forget orders, expire reservations and release held commands, with the lists of
 * an earlier, fuller time command left in its room, give the same events as without a scratch; and batches, whose
 * layers over the state the scratch keeps, give the same events after a batch that grew them past the room they keep.
 */
class DecisionScratchTest {
    @Test
    void aReusedScratchDecidesTimeCommandsAsNoScratchDoes() {
        List<Command> commands = new ArrayList<>();
        commands.add(new Command.ListProduct(1, 0));
        commands.add(new Command.ReceiveStock(1, 1, 0, 10_000));
        long time = 0;
        for (int round = 0; round < 30; round++) {
            for (int i = 0; i < 40; i++) {
                long id = round * 100L + i + 1;
                commands.add(switch (i % 4) {
                    case 0 -> new Command.Purchase(id, id, 1, 0, 1);
                    case 1 -> new Command.Reserve(id, id, List.of(new Line(1, 0, 1)), time + 20 + i);
                    case 2 -> new Command.Hold(id, time + 10 + i, new Command.Purchase(id, id, 1, 0, 1));
                    default -> new Command.ExpireReservations(25);
                });
                time += 3;
            }
        }
        List<Event> events = decideBoth(commands);
        int forgotten = 0;
        int expired = 0;
        int released = 0;
        for (Event event : events) {
            forgotten += event instanceof Event.OrderForgotten ? 1 : 0;
            expired += event instanceof Event.ReservationExpired ? 1 : 0;
            released += event instanceof Event.HoldReleased ? 1 : 0;
        }
        assertTrue(forgotten > 0 && expired > 0 && released > 0,
                forgotten + " forgotten, " + expired + " expired, " + released + " released: the time commands did each");
    }

    @Test
    void aReusedScratchDecidesBatchesAsNoScratchDoesAfterOneThatOutgrewItsRoom() {
        int skus = 64;
        List<Command> commands = new ArrayList<>();
        long movement = 0;
        for (long sku = 0; sku < skus; sku++) {
            commands.add(new Command.ListProduct(sku, 0));
            for (int warehouse = 0; warehouse < Limits.MAX_LINES; warehouse++) {
                commands.add(new Command.ReceiveStock(++movement, sku, warehouse, 2));
            }
        }
        // every position of every sku in one batch: more positions, lines and orders than a layer keeps room for
        List<Command> everything = new ArrayList<>();
        for (long sku = 0; sku < skus; sku++) {
            List<Line> lines = new ArrayList<>();
            for (int warehouse = 0; warehouse < Limits.MAX_LINES; warehouse++) {
                lines.add(new Line(sku, warehouse, 1));
            }
            everything.add(new Command.PlaceOrder(sku + 1, sku, lines));
        }
        Command.Batch big = new Command.Batch(Command.Batch.Mode.ATOMIC, everything);
        commands.add(big);
        commands.add(new Command.Batch(Command.Batch.Mode.INDEPENDENT, List.of(new Command.CancelPurchase(1),
                new Command.Purchase(1_001, 7, 0, 0, 2), new Command.Purchase(1_002, 7, 1, 0, 2),
                new Command.Reserve(1_003, 7, List.of(new Line(0, 5, 1)), 1_000_000),
                new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(new Command.ReleaseReservation(1_003),
                        new Command.Purchase(1_004, 8, 0, 5, 3))),
                new Command.ExpireReservations(1))));
        commands.add(big);
        commands.add(new Command.Batch(Command.Batch.Mode.ATOMIC, List.of(new Command.Purchase(1_005, 9, 0, 1, 1),
                new Command.Purchase(1_006, 9, 0, 1, 5))));
        commands.add(new Command.ExpireReservations(1));

        List<Event> events = decideBoth(commands);

        int accepted = 0;
        for (Event event : events) {
            accepted += event instanceof Event.PurchaseAccepted ? 1 : 0;
        }
        // the big batch twice (its first order a repeat the second time), and a purchase of what a cancel gave back
        assertEquals(2 * skus, accepted);
        assertTrue(events.contains(new Event.BatchAborted(1, Reason.OUT_OF_STOCK, 1_004)), "the nested batch is aborted");
        assertTrue(events.contains(new Event.BatchAborted(1, Reason.OUT_OF_STOCK, 1_006)), "the last batch is aborted");
    }

    /**
     * Decides {@code commands} one after another, each at a time 3 after the last, with one scratch for all and with
     * none, asserting that both give the same events, and applies them; every event decided.
     */
    private static List<Event> decideBoth(List<Command> commands) {
        MapInventoryStore withScratch = new MapInventoryStore();
        MapInventoryStore without = new MapInventoryStore();
        DecisionScratch scratch = new DecisionScratch();
        EventBuffer reused = new EventBuffer();
        EventBuffer fresh = new EventBuffer();
        long now = 0;
        List<Event> all = new ArrayList<>();
        for (Command command : commands) {
            now += 3;
            reused.clear();
            fresh.clear();
            Inventory.decide(command, now, withScratch, reused, scratch);
            Inventory.decide(command, now, without, fresh);
            List<Event> events = fresh.toEvents();
            assertEquals(events, reused.toEvents(), command + " at " + now);
            all.addAll(events);
            Inventory.evolveAll(withScratch, now, reused);
            Inventory.evolveAll(without, now, fresh);
        }
        assertEquals(StateDigest.of(without), StateDigest.of(withScratch));
        return all;
    }
}
