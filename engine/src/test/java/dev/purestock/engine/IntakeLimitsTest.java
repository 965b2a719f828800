package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Event;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.Reason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands beyond a shape limit are answered at intake with the domain's reason, before they are routed or
 * sequenced: nothing of them reaches the journal, and the engine goes on.
 */
class IntakeLimitsTest {
    private static final long SKU = 7;
    private static final long NOW = 1_000;
    private static final long LATER = 2_000;

    /** A shape beyond a limit and the reason it is refused for. */
    private record Oversized(String name, Command command, Reason reason, long ref) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static final List<Oversized> OVERSIZED = List.of(
            new Oversized("an order of a million lines", order(1, 1_000_000), Reason.TOO_MANY_LINES, 1),
            new Oversized("an order of MAX_LINES + 1 lines", order(2, Limits.MAX_LINES + 1),
                    Reason.TOO_MANY_LINES, 2),
            new Oversized("a reservation of MAX_LINES + 1 lines", new Command.Reserve(3, 1,
                    lines(Limits.MAX_LINES + 1), Long.MAX_VALUE), Reason.TOO_MANY_LINES, 3),
            new Oversized("a batch of 500,000 commands", flat(500_000), Reason.BATCH_TOO_LARGE, -1),
            new Oversized("a batch of MAX_BATCH_COMMANDS + 1 commands in all, nested",
                    new Batch(Batch.Mode.ATOMIC, List.of(flat(Limits.MAX_BATCH_COMMANDS - 1), list(SKU))),
                    Reason.BATCH_TOO_LARGE, -1),
            new Oversized("a batch nested 10,000 deep", nested(10_000), Reason.BATCH_TOO_DEEP, -1),
            new Oversized("a batch nested MAX_BATCH_DEPTH + 1 deep", nested(Limits.MAX_BATCH_DEPTH + 1),
                    Reason.BATCH_TOO_DEEP, -1),
            new Oversized("a batch holding batches of MAX_BATCH_COMMANDS + 1 commands in all",
                    new Batch(Batch.Mode.INDEPENDENT, List.of(new Command.Hold(1, LATER, flat(1)),
                            new Command.Hold(2, LATER, flat(Limits.MAX_BATCH_COMMANDS)))), Reason.BATCH_TOO_LARGE, -1),
            new Oversized("a batch holding a batch nested MAX_BATCH_DEPTH + 1 deep", new Batch(Batch.Mode.ATOMIC,
                    List.of(new Command.Hold(1, LATER, nested(Limits.MAX_BATCH_DEPTH + 1)))), Reason.BATCH_TOO_DEEP, -1),
            new Oversized("holds of batches holding holds of batches, 10,000 deep", heldInHeld(10_000),
                    Reason.NOT_HOLDABLE, 10_000),
            new Oversized("an independent batch holding an order of a million lines",
                    new Batch(Batch.Mode.INDEPENDENT, List.of(list(SKU), order(4, 1_000_000))),
                    Reason.TOO_MANY_LINES, -1));

    @Test
    void everyOversizedShapeIsRefusedOnEverySubmitPathAndNothingOfItIsJournaled() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(64).journal(shard -> journal).build()) {
            engine.submit(list(SKU)).join();
            engine.submit(receive(1, SKU, 0, 1_000)).join();
            long nextOrder = 100;
            for (Oversized shape : OVERSIZED) {
                assertRefused(shape, engine.submit(shape.command()).join());

                EngineFixtures.FutureCallback callback = new EngineFixtures.FutureCallback();
                engine.submit(shape.command(), callback);
                assertRefused(shape, callback.future.join());

                EngineFixtures.FutureCallback tried = new EngineFixtures.FutureCallback();
                assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(shape.command(), tried), shape.name());
                assertRefused(shape, tried.future.join());

                Command before = new Command.Purchase(nextOrder++, 1, SKU, 0, 1);
                Command after = new Command.Purchase(nextOrder++, 1, SKU, 0, 1);
                List<CompletableFuture<Outcome>> all = engine.submitAll(List.of(before, shape.command(), after));
                assertTrue(all.get(0).join().accepted(), shape.name());
                assertRefused(shape, all.get(1).join());
                assertEquals(all.get(0).join().sequence() + 1, all.get(2).join().sequence(),
                        shape.name() + ": the refused command took no sequence");
            }
            assertTrue(engine.failure().isEmpty(), "the engine never stopped");
            int commands = 2 + 2 * OVERSIZED.size();
            assertEquals(commands, journal.size(), "only the accepted commands were journaled");
            assertTrue(journal.entries().stream().allMatch(e -> e.command() instanceof Command.ListProduct
                    || e.command() instanceof Command.ReceiveStock || e.command() instanceof Command.Purchase));
            Outcome goesOn = engine.submit(new Command.Purchase(nextOrder, 1, SKU, 0, 1)).join();
            assertEquals(commands, goesOn.sequence());
            assertEquals(1_000 - 2 * OVERSIZED.size() - 1, engine.readModel().available(SKU, 0));
        }
    }

    @Test
    void routingAcrossShardsNeverWalksAnOversizedBatch() {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).journal(shard -> journals[shard])
                .build()) {
            for (Oversized shape : OVERSIZED) {
                assertRefused(shape, engine.submit(shape.command()).join());
            }
            assertEquals(0, journals[0].size() + journals[1].size());
            assertTrue(engine.submit(list(SKU)).join().accepted());
        }
    }

    @Test
    void theLargestShapesWithinTheLimitsAreSequencedAndJournaled() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .journal(shard -> journal).build()) {
            for (long sku = 0; sku < Limits.MAX_LINES; sku++) {
                engine.submit(list(sku)).join();
                engine.submit(receive(sku + 1, sku, 0, 10_000)).join();
            }
            Outcome order = engine.submit(new Command.PlaceOrder(1, 1, lines(Limits.MAX_LINES))).join();
            assertTrue(order.accepted(), order.events().toString());
            assertEquals(2 * Limits.MAX_LINES, order.sequence());

            List<Command> orders = new ArrayList<>();
            for (long id = 2; id < 2 + Limits.MAX_BATCH_COMMANDS - (Limits.MAX_BATCH_DEPTH - 1); id++) {
                orders.add(new Command.PlaceOrder(id, id, lines(Limits.MAX_LINES)));
            }
            Command deepest = new Batch(Batch.Mode.ATOMIC, orders);
            for (int depth = 2; depth <= Limits.MAX_BATCH_DEPTH; depth++) {
                deepest = new Batch(Batch.Mode.ATOMIC, List.of(deepest));
            }
            Outcome batch = engine.submit(deepest).join();
            assertEquals(2 * Limits.MAX_LINES + 1, batch.sequence(), "sequenced");
            assertEquals(orders.size(), batch.events().size(), "every order of the batch was decided");
            assertTrue(batch.accepted(), batch.events().get(0).toString());
            assertEquals(2 * Limits.MAX_LINES + 2, journal.size());
            assertEquals(10_000 - orders.size() - 1, engine.readModel().available(0, 0));
        }
    }

    /**
     * A hold inside a batch counts as one command of it, and the batch it holds is checked on its own, its count
     * and depth from 1, as the domain checks them: intake counted a held batch's members into the batch holding it,
     * and its depth on from there, so it refused batches the domain accepts.
     */
    @Test
    void aBatchHeldInsideABatchIsCheckedOnItsOwnAsTheDomainChecksIt() {
        List<Command> members = new ArrayList<>();
        for (long id = 1; id <= 1_000; id++) {
            members.add(new Command.Purchase(id, 1, SKU, 0, 1));
        }
        members.add(new Command.Hold(1, LATER, purchases(2_001, 100)));
        Command wide = new Batch(Batch.Mode.ATOMIC, members);
        Command deep = new Batch(Batch.Mode.ATOMIC, List.of(new Command.Purchase(3_001, 1, SKU, 0, 1),
                new Command.Hold(2, LATER, nested(purchases(3_002, 1), Limits.MAX_BATCH_DEPTH - 1))));
        deep = nested(deep, Limits.MAX_BATCH_DEPTH - 1);
        Command full = new Batch(Batch.Mode.ATOMIC, List.of(purchases(4_001, Limits.MAX_BATCH_COMMANDS - 2),
                new Command.Hold(3, LATER, purchases(5_001, Limits.MAX_BATCH_COMMANDS))));

        PrimitiveInventoryStore domain = new PrimitiveInventoryStore();
        try (PurestockEngine engine = PurestockEngine.builder().clock(() -> NOW)
                .expireReservationsEvery(Duration.ZERO).build()) {
            for (Command command : List.of(list(SKU), receive(1, SKU, 0, 10_000), wide, deep, full)) {
                List<Event> decided = Inventory.decide(command, NOW, domain);
                Inventory.evolveAll(domain, NOW, decided);
                Outcome outcome = engine.submit(command).join();
                assertTrue(outcome.accepted(), outcome.events().get(0).toString());
                assertEquals(decided, outcome.events());
            }
            assertEquals(10_000 - 1_000 - 1 - (Limits.MAX_BATCH_COMMANDS - 2), engine.readModel().available(SKU, 0));
            assertEquals(List.of(1L, 2L, 3L), engine.readModel().heldCommands().stream().map(HeldCommand::holdId)
                    .toList());
        }
    }

    @Test
    void submitAllNamesANullListOrTheIndexOfANullCommandAndSubmitsNothing() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(shard -> journal).build()) {
            NullPointerException noList = assertThrows(NullPointerException.class, () -> engine.submitAll(null));
            assertEquals("submitAll was given a null list of commands; pass a list (it may be empty)",
                    noList.getMessage());
            List<Command> withNull = new ArrayList<>(List.of(list(1), list(2)));
            withNull.add(null);
            NullPointerException noCommand = assertThrows(NullPointerException.class,
                    () -> engine.submitAll(withNull));
            assertEquals("submitAll was given a null command at index 2 of 3; nothing was submitted",
                    noCommand.getMessage());
            assertEquals(0, engine.submit(list(3)).join().sequence(), "nothing was submitted");
        }
    }

    private static void assertRefused(Oversized shape, Outcome outcome) {
        assertEquals(Outcome.NOT_SEQUENCED, outcome.shard(), shape.name());
        assertEquals(Outcome.NOT_SEQUENCED, outcome.sequence(), shape.name());
        assertEquals(1, outcome.events().size(), shape.name());
        Event.Rejected rejected = assertInstanceOf(Event.Rejected.class, outcome.events().get(0), shape.name());
        assertEquals(new Event.Rejected(shape.reason(), shape.ref()), rejected, shape.name());
    }

    private static Command order(long orderId, int lines) {
        return new Command.PlaceOrder(orderId, 1, lines(lines));
    }

    /** {@code count} lines, one unit each of skus {@code 0, 1, ...} (so a valid order within the limits). */
    private static List<Line> lines(int count) {
        if (count > Limits.MAX_LINES) {
            return Collections.nCopies(count, new Line(SKU, 0, 1));
        }
        List<Line> lines = new ArrayList<>(count);
        for (int sku = 0; sku < count; sku++) {
            lines.add(new Line(sku, 0, 1));
        }
        return lines;
    }

    /** An atomic batch of {@code count} one-unit purchases, order ids from {@code firstOrderId} on. */
    private static Batch purchases(long firstOrderId, int count) {
        List<Command> purchases = new ArrayList<>(count);
        for (long id = firstOrderId; id < firstOrderId + count; id++) {
            purchases.add(new Command.Purchase(id, 1, SKU, 0, 1));
        }
        return new Batch(Batch.Mode.ATOMIC, purchases);
    }

    /** A hold of a batch holding a hold of a batch, and so on {@code depth} times, hold ids {@code depth} down to 1. */
    private static Command heldInHeld(int depth) {
        Command command = list(SKU);
        for (int holdId = 1; holdId <= depth; holdId++) {
            command = new Command.Hold(holdId, LATER, new Batch(Batch.Mode.ATOMIC, List.of(command)));
        }
        return command;
    }

    private static Batch flat(int commands) {
        return new Batch(Batch.Mode.INDEPENDENT, Collections.nCopies(commands, list(SKU)));
    }

    private static Command nested(int depth) {
        return nested(list(SKU), depth);
    }

    /** {@code command} inside {@code depth} batches. */
    private static Command nested(Command command, int depth) {
        for (int i = 0; i < depth; i++) {
            command = new Batch(Batch.Mode.ATOMIC, List.of(command));
        }
        return command;
    }
}
