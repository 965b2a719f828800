package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecisionScratch;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The engine's store and the reference store decide long histories alike, at the volume where the engine's store
 * differs most from a map: thousands of orders remembered at once (the order index splits its segments, forgotten
 * rows and lines are reused), thousands of live reservations and of held commands (the due queues' heaps and id
 * indexes grow), and time commands that stop at each of their limits, {@link Limits#MAX_FORGOTTEN_PER_COMMAND}
 * orders forgotten, {@link Limits#MAX_RELEASED_PER_COMMAND} held commands decided and
 * {@link Limits#MAX_EXPIRIES_PER_COMMAND} reservations expired, among reservations and holds due at one time (ties
 * broken by id). {@link StoreHistoriesTest}'s histories are too short for any of that. A history is drawn from a seed
 * that QuickTheories picks, with or without held commands; bursts of reservations and holds due at one time come
 * every few thousand commands, between purchases, orders, cancels, confirms, releases, repeats, batches (some holding a
 * time command) and time commands whose window forgets orders as the history goes.
 */
class StoreVolumeHistoriesTest {
    private static final int STEPS = 9_000;
    private static final int SKUS = 6;
    private static final int WAREHOUSES = 2;
    private static final int CUSTOMERS = 1_000;
    private static final int ORDER_IDS = 8_000;
    private static final int HOLD_IDS = 5_000;
    private static final int BURST_EVERY = 3_000;

    @Test
    void bothStoresDecideLongHistoriesAlikeAtEveryLimitOfATimeCommand() {
        Reached reached = new Reached();
        qt().withExamples(4).forAll(longs().all()).checkAssert(seed -> {
            decideAlike(seed, false, reached);
            decideAlike(seed, true, reached);
        });
        assertEquals(Limits.MAX_FORGOTTEN_PER_COMMAND, reached.forgotten, "orders forgotten by one time command");
        assertEquals(Limits.MAX_EXPIRIES_PER_COMMAND, reached.expired, "reservations expired by one time command");
        assertEquals(Limits.MAX_RELEASED_PER_COMMAND, reached.released, "held commands decided by one time command");
        assertTrue(reached.indexSegments > 1, "the order index split " + reached.indexSegments);
    }

    private static void decideAlike(long seed, boolean holding, Reached reached) {
        SplittableRandom random = new SplittableRandom(seed);
        MapInventoryStore reference = new MapInventoryStore();
        PrimitiveInventoryStore primitive = new PrimitiveInventoryStore(1);
        EventBuffer buffer = new EventBuffer();
        DecisionScratch scratch = new DecisionScratch();
        History history = new History(random, holding);
        List<Command> commands = new ArrayList<>();
        long now = 0;
        for (int step = 0; step < STEPS; step++) {
            now += random.nextInt(400) == 0 ? 1_000 + random.nextInt(5_000) : random.nextInt(3) == 0 ? 1 : 0;
            commands.clear();
            history.next(step, now, commands);
            for (Command command : commands) {
                List<Event> expected = Inventory.decide(command, now, reference);
                buffer.clear();
                Inventory.decide(command, now, primitive, buffer, scratch);
                long at = now;
                assertEquals(expected, buffer.toEvents(), () -> "seed " + seed + ", events of @" + at + " " + command);
                Inventory.evolveAll(reference, now, expected);
                Inventory.evolveAll(primitive, now, buffer);
                reached.timeCommand(expected);
            }
            if (step % 250 == 0 || step == STEPS - 1) {
                String where = "seed " + seed + ", after step " + step;
                assertEquals(StateDigest.of(reference), StateDigest.of(primitive), where);
                assertEquals(StoreHistoriesTest.lastChanges(reference), StoreHistoriesTest.lastChanges(primitive), where);
                assertEquals(StoreHistoriesTest.due(reference), StoreHistoriesTest.due(primitive), where);
                assertEquals(new NextDue().of(reference), new NextDue().of(primitive), where);
                reached.indexSegments = Math.max(reached.indexSegments, primitive.orderBook().indexSegments());
            }
        }
    }

    /** The most that one time command did of each kind, over every history. */
    private static final class Reached {
        int forgotten;
        int expired;
        int released;
        int indexSegments;

        /** Counts what the time command among {@code events}, if any, did (a batch holds at most one here). */
        void timeCommand(List<Event> events) {
            int forgot = 0;
            int expiredHere = 0;
            int releasedHere = 0;
            for (Event event : events) {
                switch (event) {
                    case Event.OrderForgotten e -> forgot++;
                    case Event.ReservationExpired e -> expiredHere++;
                    case Event.HoldReleased e -> releasedHere++;
                    default -> {
                    }
                }
            }
            forgotten = Math.max(forgotten, forgot);
            expired = Math.max(expired, expiredHere);
            released = Math.max(released, releasedHere);
        }
    }

    /** Draws a history's commands step by step from its random source. */
    private static final class History {
        private final SplittableRandom random;
        private final boolean holding;
        private final long retainOrdersFor;
        private final List<Command> recent = new ArrayList<>();
        private long movement;
        /** Order and hold ids of the bursts, above those of the other commands: each a new one. */
        private long burstId = Math.max(ORDER_IDS, HOLD_IDS);

        History(SplittableRandom random, boolean holding) {
            this.random = random;
            this.holding = holding;
            this.retainOrdersFor = 1_000 + random.nextInt(5_000);
        }

        /** The commands of step {@code step} at {@code now}: one, or a burst. */
        void next(int step, long now, List<Command> out) {
            if (step == 0) {
                for (long sku = 0; sku < SKUS; sku++) {
                    out.add(new Command.ListProduct(sku, random.nextInt(3) == 0 ? 5 + random.nextInt(100) : 0));
                }
                return;
            }
            if (step % BURST_EVERY == 1) {
                burst(now, out);
                return;
            }
            // reservations and holds fall due at a few shared times, so that many fall due at once
            long dueAt = (now / 1_000 + 1 + random.nextInt(3)) * 1_000;
            long orderId = random.nextInt(ORDER_IDS);
            long customer = random.nextInt(CUSTOMERS);
            long sku = random.nextInt(SKUS);
            int warehouse = random.nextInt(WAREHOUSES);
            int kind = random.nextInt(100);
            Command command;
            if (kind < 8) {
                command = new Command.ReceiveStock(movement++, sku, warehouse, 1 + random.nextInt(20_000));
            } else if (kind < 30) {
                command = new Command.Purchase(orderId, customer, sku, warehouse, 1 + random.nextInt(3));
            } else if (kind < 60) {
                command = new Command.Reserve(orderId, customer, lines(), dueAt);
            } else if (kind < 64) {
                command = new Command.CancelPurchase(orderId);
            } else if (kind < 68) {
                command = new Command.ConfirmReservation(orderId);
            } else if (kind < 71) {
                command = new Command.ReleaseReservation(orderId);
            } else if (kind < 74) {
                command = random.nextInt(30) == 0 ? new Command.ExpireReservations(retainOrdersFor)
                        : new Command.PlaceOrder(orderId, customer, lines());
            } else if (kind < 88 && holding) {
                command = hold(now, dueAt, orderId, customer, sku, warehouse);
            } else if (kind < 90 && holding) {
                command = new Command.CancelHold(random.nextInt(HOLD_IDS));
            } else if (kind < 90) {
                command = new Command.Reserve(orderId, customer, List.of(new Line(sku, warehouse, 1)), dueAt);
            } else if (kind < 94 && !recent.isEmpty()) {
                command = recent.get(random.nextInt(recent.size()));
            } else {
                command = batch(customer, warehouse);
            }
            recent.add(command);
            if (recent.size() > 50) {
                recent.removeFirst();
            }
            out.add(command);
        }

        /**
         * Stock at every position, then more reservations than one time command expires, all due at one time, and (in
         * a history with holds) more holds than one decides, due at that time too.
         */
        private void burst(long now, List<Command> out) {
            for (long sku = 0; sku < SKUS; sku++) {
                for (int warehouse = 0; warehouse < WAREHOUSES; warehouse++) {
                    out.add(new Command.ReceiveStock(movement++, sku, warehouse, 2_000));
                }
            }
            long dueAt = now + 500;
            for (int i = 0; i < Limits.MAX_EXPIRIES_PER_COMMAND + 100; i++) {
                out.add(new Command.Reserve(burstId++, random.nextInt(CUSTOMERS), List.of(new Line(i % SKUS, 0, 1)),
                        dueAt));
            }
            for (int i = 0; holding && i < Limits.MAX_RELEASED_PER_COMMAND + 50; i++) {
                out.add(new Command.Hold(burstId++, dueAt + 100, new Command.Purchase(burstId++,
                        random.nextInt(CUSTOMERS), random.nextInt(SKUS), random.nextInt(WAREHOUSES), 1)));
            }
        }

        private Command hold(long now, long dueAt, long orderId, long customer, long sku, int warehouse) {
            Command held = switch (random.nextInt(4)) {
                case 0 -> new Command.Purchase(orderId, customer, sku, warehouse, 1);
                case 1 -> new Command.ConfirmReservation(orderId);
                case 2 -> new Command.Reserve(orderId, customer, List.of(new Line(sku, warehouse, 1)), dueAt + 150);
                default -> new Command.ReleaseReservation(orderId);
            };
            // now and then backdated, to a time already past
            long at = random.nextInt(10) == 0 ? now - random.nextInt(50) : dueAt + (random.nextBoolean() ? 0 : 50);
            return new Command.Hold(random.nextInt(HOLD_IDS), at, held);
        }

        /** One to three lines, at most one per sku and warehouse. */
        private List<Line> lines() {
            List<Line> lines = new ArrayList<>();
            int count = 1 + random.nextInt(3);
            for (int i = 0; i < count; i++) {
                lines.add(new Line(i, random.nextInt(WAREHOUSES), 1 + random.nextInt(2)));
            }
            return lines;
        }

        private Command batch(long customer, int warehouse) {
            List<Command> members = new ArrayList<>();
            int count = 1 + random.nextInt(4);
            for (int i = 0; i < count; i++) {
                long orderId = random.nextInt(ORDER_IDS);
                members.add(switch (random.nextInt(3)) {
                    case 0 -> new Command.Purchase(orderId, customer, random.nextInt(SKUS), warehouse, 1);
                    case 1 -> new Command.ReleaseReservation(orderId);
                    default -> new Command.CancelPurchase(orderId);
                });
            }
            if (random.nextInt(40) == 0) {
                members.add(random.nextInt(members.size() + 1), new Command.ExpireReservations(retainOrdersFor));
            }
            return new Command.Batch(random.nextBoolean() ? Command.Batch.Mode.ATOMIC : Command.Batch.Mode.INDEPENDENT,
                    members);
        }
    }
}
