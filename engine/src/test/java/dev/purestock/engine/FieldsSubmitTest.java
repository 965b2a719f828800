package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Event.Rejected;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands submitted as their fields ({@code submitPurchase} and its siblings) are checked, routed, decided,
 * journaled and answered exactly as their records are.
 */
class FieldsSubmitTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long SKU = 7;
    private static final long CUSTOMER = 1001;

    /** A run that meets every answer a fixed-shape command can get. */
    private static final List<Command> RUN = List.of(
            new Command.ListProduct(SKU, 3),
            new Command.ReceiveStock(1, SKU, 0, 5),
            new Command.Purchase(1, CUSTOMER, SKU, 0, 2),
            new Command.Purchase(1, CUSTOMER, SKU, 0, 2),
            new Command.Purchase(1, CUSTOMER, SKU, 0, 1),
            new Command.Purchase(2, CUSTOMER, SKU, 0, 2),
            new Command.Purchase(3, CUSTOMER + 1, SKU, 0, 9),
            new Command.Purchase(4, CUSTOMER + 1, SKU, 0, 0),
            new Command.Purchase(5, CUSTOMER + 1, SKU + 1, 0, 1),
            new Command.Purchase(6, CUSTOMER + 1, SKU, 9, 1),
            new Command.CancelPurchase(1),
            new Command.CancelPurchase(1),
            new Command.CancelPurchase(99),
            new Command.Reserve(10, CUSTOMER, List.of(new Line(SKU, 0, 1)), NOW + 60_000),
            new Command.Reserve(11, CUSTOMER, List.of(new Line(SKU, 0, 1)), NOW + 60_000),
            new Command.CancelPurchase(10),
            new Command.ConfirmReservation(10),
            new Command.ConfirmReservation(10),
            new Command.ReleaseReservation(10),
            new Command.ReleaseReservation(11),
            new Command.ReleaseReservation(11),
            new Command.ConfirmReservation(11),
            new Command.ConfirmReservation(1),
            new Command.ReleaseReservation(98),
            new Command.CancelPurchase(10));

    @Test
    void aRunSubmittedAsFieldsGetsTheOutcomesJournalConsumerViewAndStateOfTheSameRunAsRecords() {
        Run byRecords = run(false);
        Run byFields = run(true);

        assertEquals(byRecords.outcomes, byFields.outcomes);
        assertEquals(byRecords.journal, byFields.journal, "a fields command is journaled as its record");
        assertEquals(byRecords.consumed, byFields.consumed, "consumers see the command's record");
        assertEquals(byRecords.digest, byFields.digest);
        List<RejectionReason> reasons = byFields.outcomes.stream().map(o -> o.reason().orElse(null)).toList();
        assertEquals(Arrays.asList(null, null, null, null, Reason.ID_REUSED, Reason.LIMIT_EXCEEDED,
                Reason.OUT_OF_STOCK, Reason.INVALID_QUANTITY, Reason.UNKNOWN_SKU, Reason.UNKNOWN_WAREHOUSE, null,
                Reason.ALREADY_CANCELLED, Reason.UNKNOWN_ORDER, null, null, Reason.NOT_CANCELLABLE, null,
                Reason.ALREADY_CONFIRMED, Reason.ALREADY_CONFIRMED, null, Reason.ALREADY_RELEASED,
                Reason.ALREADY_RELEASED, Reason.NOT_A_RESERVATION, Reason.UNKNOWN_ORDER, null), reasons);
        assertInstanceOf(Event.AlreadyApplied.class, byFields.outcomes.get(3).events().getFirst());
        assertEquals(RUN.size(), byFields.journal.size());
    }

    private record Run(List<Outcome> outcomes, List<InMemoryJournal.Entry> journal, List<Command> consumed,
                       long digest) {
    }

    private static Run run(boolean asFields) {
        InMemoryJournal journal = new InMemoryJournal();
        List<Command> consumed = Collections.synchronizedList(new ArrayList<>());
        List<Outcome> outcomes = new ArrayList<>();
        long digest;
        try (PurestockEngine engine = PurestockEngine.builder().clock(() -> NOW).journal(shard -> journal)
                .consumer((command, outcome) -> consumed.add(command))
                .expireReservationsEvery(Duration.ZERO).build()) {
            for (Command command : RUN) {
                EngineFixtures.ViewCallback callback = new EngineFixtures.ViewCallback();
                if (!asFields || !submitAsFields(engine, command, callback)) {
                    engine.submit(command, callback);
                }
                outcomes.add(callback.future.join());
            }
            digest = engine.digest(0).join();
        }
        // read after close: consumers run after the callback, and close drains them
        return new Run(outcomes, journal.entries(), List.copyOf(consumed), digest);
    }

    /** Submits {@code command} through its fields form, when it has one, and says whether it had. */
    private static boolean submitAsFields(PurestockEngine engine, Command command, OutcomeViewCallback callback) {
        switch (command) {
            case Command.Purchase c -> engine.submitPurchase(c.orderId(), c.customer(), c.sku(), c.warehouse(),
                    c.quantity(), callback);
            case Command.CancelPurchase c -> engine.submitCancelPurchase(c.orderId(), callback);
            case Command.ConfirmReservation c -> engine.submitConfirmReservation(c.orderId(), callback);
            case Command.ReleaseReservation c -> engine.submitReleaseReservation(c.orderId(), callback);
            default -> {
                return false;
            }
        }
        return true;
    }

    @Test
    void aDurabilityStageReadsACommandSubmittedAsFieldsFromItsFieldsAndARecordAsItsRecord() {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        DurabilityStage reader = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
                throw new AssertionError("the engine calls the view form");
            }

            @Override
            public void onDecided(long sequence, long time, SubmittedCommand command,
                                  dev.purestock.domain.DecidedEvents events, boolean endOfBatch) {
                seen.add(switch (command.form()) {
                    case RECORD -> "record " + command.toCommand() + refused(command::orderId)
                            + refused(command::customer);
                    case PURCHASE -> "purchase " + command.orderId() + " " + command.customer() + " " + command.sku()
                            + " " + command.warehouse() + " " + command.quantity() + " as " + command.toCommand();
                    case CANCEL_PURCHASE, CONFIRM_RESERVATION, RELEASE_RESERVATION -> command.form() + " "
                            + command.orderId() + refused(command::sku) + " as " + command.toCommand();
                });
            }
        };
        try (PurestockEngine engine = PurestockEngine.builder().replication(shard -> reader)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(SKU)).join();
            submitted(callback -> engine.submitPurchase(3, CUSTOMER, SKU, 2, 5, callback));
            submitted(callback -> engine.submitCancelPurchase(3, callback));
            submitted(callback -> engine.submitConfirmReservation(4, callback));
            submitted(callback -> engine.submitReleaseReservation(5, callback));
        }
        assertEquals(List.of(
                "record ListProduct[sku=7, perCustomerLimit=0, countsCustomers=true] (no order id) (no customer)",
                "purchase 3 1001 7 2 5 as Purchase[orderId=3, customer=1001, sku=7, warehouse=2, quantity=5]",
                "CANCEL_PURCHASE 3 (no sku) as CancelPurchase[orderId=3]",
                "CONFIRM_RESERVATION 4 (no sku) as ConfirmReservation[orderId=4]",
                "RELEASE_RESERVATION 5 (no sku) as ReleaseReservation[orderId=5]"), seen);
    }

    /** " (no FIELD)" when reading the field throws the view's IllegalStateException naming it. */
    private static String refused(Executable read) {
        IllegalStateException refusal = assertThrows(IllegalStateException.class, read);
        String field = refusal.getMessage().replaceFirst(".*carries no field for an? (\\w+( id)?).*", "$1");
        return " (no " + field + ")";
    }

    @Test
    void theTryFormsSubmitAsTheRecordsTrySubmitDoes() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(SKU)).join();
            engine.submit(receive(1, SKU, 0, 5)).join();
            engine.submit(new Command.Reserve(20, CUSTOMER, List.of(new Line(SKU, 0, 1)), Long.MAX_VALUE)).join();
            engine.submit(new Command.Reserve(21, CUSTOMER, List.of(new Line(SKU, 0, 1)), Long.MAX_VALUE)).join();

            EngineFixtures.ViewCallback bought = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmitPurchase(30, CUSTOMER, SKU, 0, 2, bought));
            Outcome purchase = bought.future.join();
            assertTrue(purchase.accepted());
            Event.PurchaseAccepted accepted = (Event.PurchaseAccepted) purchase.events().getFirst();
            assertEquals(30, accepted.orderId());
            assertEquals(List.of(new LineChange(SKU, 0, 2, 1, 4)), accepted.lines());
            assertEquals(4, purchase.sequence());

            EngineFixtures.ViewCallback cancelled = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmitCancelPurchase(30, cancelled));
            assertInstanceOf(Event.PurchaseCancelled.class, cancelled.future.join().events().getFirst());
            EngineFixtures.ViewCallback confirmed = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmitConfirmReservation(20, confirmed));
            assertEquals(List.of(new Event.ReservationConfirmed(20)), confirmed.future.join().events());
            EngineFixtures.ViewCallback released = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmitReleaseReservation(21, released));
            assertInstanceOf(Event.ReservationReleased.class, released.future.join().events().getFirst());
            assertEquals(4, engine.readModel().available(SKU, 0), "5 received, 1 confirmed");
        }
    }

    @Test
    void anIdOutsideItsRangeThrowsTheRecordsRefusalOnTheCallersThreadAndSubmitsNothing() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            EngineFixtures.ViewCallback notCalled = new EngineFixtures.ViewCallback();
            refusedAsTheRecord(() -> new Command.Purchase(-1, CUSTOMER, SKU, 0, 1),
                    () -> engine.submitPurchase(-1, CUSTOMER, SKU, 0, 1, notCalled));
            refusedAsTheRecord(() -> new Command.Purchase(1, -5, SKU, 0, 1),
                    () -> engine.trySubmitPurchase(1, -5, SKU, 0, 1, notCalled));
            refusedAsTheRecord(() -> new Command.Purchase(1, CUSTOMER, Limits.MAX_SKU + 1, 0, 1),
                    () -> engine.submitPurchase(1, CUSTOMER, Limits.MAX_SKU + 1, 0, 1, notCalled));
            refusedAsTheRecord(() -> new Command.Purchase(1, CUSTOMER, SKU, Limits.MAX_WAREHOUSE + 1, 1),
                    () -> engine.trySubmitPurchase(1, CUSTOMER, SKU, Limits.MAX_WAREHOUSE + 1, 1, notCalled));
            refusedAsTheRecord(() -> new Command.CancelPurchase(-2), () -> engine.submitCancelPurchase(-2, notCalled));
            refusedAsTheRecord(() -> new Command.CancelPurchase(-2),
                    () -> engine.trySubmitCancelPurchase(-2, notCalled));
            refusedAsTheRecord(() -> new Command.ConfirmReservation(-3),
                    () -> engine.submitConfirmReservation(-3, notCalled));
            refusedAsTheRecord(() -> new Command.ConfirmReservation(-3),
                    () -> engine.trySubmitConfirmReservation(-3, notCalled));
            refusedAsTheRecord(() -> new Command.ReleaseReservation(-4),
                    () -> engine.submitReleaseReservation(-4, notCalled));
            refusedAsTheRecord(() -> new Command.ReleaseReservation(-4),
                    () -> engine.trySubmitReleaseReservation(-4, notCalled));
            NullPointerException noCallback = assertThrows(NullPointerException.class,
                    () -> engine.submitPurchase(1, CUSTOMER, SKU, 0, 1, null));
            assertEquals("callback", noCallback.getMessage());

            assertEquals(0, engine.submit(list(SKU)).join().sequence(), "nothing refused took a sequence");
            assertFalse(notCalled.future.isDone(), "a refused submission is never answered");
        }
    }

    private static void refusedAsTheRecord(Executable record, Executable fields) {
        IllegalArgumentException expected = assertThrows(IllegalArgumentException.class, record);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, fields);
        assertEquals(expected.getMessage(), refused.getMessage());
    }

    @Test
    void fieldsCommandsAreRoutedAsTheirRecordsAcrossShards() {
        int shards = 4;
        InMemoryJournal[] journals = new InMemoryJournal[shards];
        try (PurestockEngine engine = PurestockEngine.builder().shards(shards)
                .journal(shard -> journals[shard] = new InMemoryJournal())
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(SKU)).join();
            for (int w = 0; w < shards; w++) {
                engine.submit(receive(w + 1, SKU, w, 10)).join();
            }
            engine.submit(new Command.Reserve(90, CUSTOMER, List.of(new Line(SKU, 2, 1)), Long.MAX_VALUE)).join();
            engine.submit(new Command.Reserve(91, CUSTOMER, List.of(new Line(SKU, 1, 1)), Long.MAX_VALUE)).join();

            Outcome bought = submitted(callback -> engine.submitPurchase(80, CUSTOMER, SKU, 3, 2, callback));
            assertEquals(3, bought.shard());
            assertEquals(8, engine.readModel().available(SKU, 3));
            Outcome cancelled = submitted(callback -> engine.submitCancelPurchase(80, callback));
            assertEquals(3, cancelled.shard(), "found on the shard that accepted it");
            assertEquals(10, engine.readModel().available(SKU, 3));
            Outcome reused = submitted(callback -> engine.submitPurchase(80, CUSTOMER, SKU, 0, 1, callback));
            assertEquals(List.of(new Rejected(Reason.ID_REUSED, 80)), reused.events());
            assertEquals(Outcome.NOT_SEQUENCED, reused.sequence());
            assertEquals(Outcome.NOT_SEQUENCED, reused.shard());
            Outcome confirmed = submitted(callback -> engine.submitConfirmReservation(90, callback));
            assertEquals(2, confirmed.shard());
            assertTrue(confirmed.accepted());
            Outcome released = submitted(callback -> engine.submitReleaseReservation(91, callback));
            assertEquals(1, released.shard());
            assertTrue(released.accepted());
            Outcome unknown = submitted(callback -> engine.submitCancelPurchase(999, callback));
            assertEquals(0, unknown.shard());
            assertEquals(Reason.UNKNOWN_ORDER, unknown.reason().orElseThrow());

            assertEquals(List.of(new Command.CancelPurchase(999)), commandsAfter(journals[0], 2));
            assertEquals(List.of(new Command.ReleaseReservation(91)), commandsAfter(journals[1], 3));
            assertEquals(List.of(new Command.ConfirmReservation(90)), commandsAfter(journals[2], 3));
            assertEquals(List.of(new Command.Purchase(80, CUSTOMER, SKU, 3, 2), new Command.CancelPurchase(80)),
                    commandsAfter(journals[3], 2));
        }
    }

    private interface Submission {
        void submit(OutcomeViewCallback callback);
    }

    private static Outcome submitted(Submission submission) {
        EngineFixtures.ViewCallback callback = new EngineFixtures.ViewCallback();
        submission.submit(callback);
        return callback.future.join();
    }

    private static List<Command> commandsAfter(InMemoryJournal journal, int skipped) {
        List<InMemoryJournal.Entry> entries = journal.entries();
        return entries.subList(skipped, entries.size()).stream().map(InMemoryJournal.Entry::command).toList();
    }

    @Test
    void aFullRingRefusesTheTryFormsAndLosesNothingOnceTheStageResumes() throws Exception {
        int ring = 8;
        InMemoryJournal journal = new InMemoryJournal();
        EngineFixtures.StalledStage stalled = new EngineFixtures.StalledStage(journal);
        try (PurestockEngine engine = PurestockEngine.builder().ringSize(ring).journal(shard -> stalled)
                .expireReservationsEvery(Duration.ZERO).build()) {
            EngineFixtures.ViewCallback first = new EngineFixtures.ViewCallback();
            engine.submit(list(SKU), first);
            stalled.awaitStalled();
            List<EngineFixtures.ViewCallback> callbacks = new ArrayList<>(List.of(first));
            EngineFixtures.ViewCallback receipt = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.SUBMITTED, engine.trySubmit(receive(1, SKU, 0, 100), receipt));
            callbacks.add(receipt);
            for (int i = 2; i < ring; i++) {
                EngineFixtures.ViewCallback callback = new EngineFixtures.ViewCallback();
                assertEquals(SubmitResult.SUBMITTED, engine.trySubmitPurchase(i, CUSTOMER, SKU, 0, 1, callback),
                        "slot " + i);
                callbacks.add(callback);
            }

            EngineFixtures.ViewCallback refused = new EngineFixtures.ViewCallback();
            assertEquals(SubmitResult.RING_FULL, engine.trySubmitPurchase(100, CUSTOMER, SKU, 0, 1, refused));
            assertEquals(SubmitResult.RING_FULL, engine.trySubmitCancelPurchase(2, refused));
            assertEquals(SubmitResult.RING_FULL, engine.trySubmitConfirmReservation(2, refused));
            assertEquals(SubmitResult.RING_FULL, engine.trySubmitReleaseReservation(2, refused));
            EngineFixtures.ViewCallback waiting = new EngineFixtures.ViewCallback();
            Thread waiter = Thread.ofPlatform().start(() -> engine.submitPurchase(101, CUSTOMER, SKU, 0, 1, waiting));
            assertTrue(callbacks.stream().noneMatch(c -> c.future.isDone()), "nothing answered while stalled");

            stalled.release();
            for (int i = 0; i < ring; i++) {
                Outcome outcome = callbacks.get(i).future.join();
                assertEquals(i, outcome.sequence());
                assertTrue(outcome.accepted(), "command " + i);
            }
            waiter.join();
            assertEquals(ring, waiting.future.join().sequence());
            assertEquals(ring + 1, journal.size());
            assertEquals(100 - (ring - 2) - 1, engine.readModel().available(SKU, 0));
            assertFalse(refused.future.isDone(), "a refused submission is never answered");
        }
    }

    @Test
    void aClosedEngineRefusesTheFieldsFormsAsItRefusesRecords() {
        PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build();
        engine.close();
        EngineFixtures.ViewCallback blocking = new EngineFixtures.ViewCallback();
        engine.submitPurchase(1, CUSTOMER, SKU, 0, 1, blocking);
        assertInstanceOf(EngineClosedException.class, failureOf(blocking.future));
        EngineFixtures.ViewCallback cancel = new EngineFixtures.ViewCallback();
        engine.submitCancelPurchase(1, cancel);
        assertInstanceOf(EngineClosedException.class, failureOf(cancel.future));
        EngineFixtures.ViewCallback notCalled = new EngineFixtures.ViewCallback();
        assertEquals(SubmitResult.CLOSED, engine.trySubmitPurchase(1, CUSTOMER, SKU, 0, 1, notCalled));
        assertEquals(SubmitResult.CLOSED, engine.trySubmitReleaseReservation(1, notCalled));
        assertFalse(notCalled.future.isDone());
    }

    @Test
    void aBlockingFieldsSubmitFromAStageThreadIntoAFullRingIsRefusedInsteadOfWaitingForever() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int ring = 4;
            try (PurestockEngine engine = PurestockEngine.builder().ringSize(ring)
                    .expireReservationsEvery(Duration.ZERO).build()) {
                CountDownLatch inCallback = new CountDownLatch(1);
                CountDownLatch ringFull = new CountDownLatch(1);
                EngineFixtures.ViewCallback fromStage = new EngineFixtures.ViewCallback();
                engine.submit(list(SKU)).join();
                engine.submit(receive(1, SKU, 0, 10), new OutcomeViewCallback() {
                    @Override
                    public void onOutcome(OutcomeView outcome) {
                        inCallback.countDown();
                        try {
                            ringFull.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        engine.submitPurchase(50, CUSTOMER, SKU, 0, 1, fromStage);
                    }

                    @Override
                    public void onFailure(Throwable cause) {
                    }
                });
                inCallback.await();
                List<EngineFixtures.ViewCallback> fillers = new ArrayList<>();
                for (long order = 10; ; order++) {
                    EngineFixtures.ViewCallback filler = new EngineFixtures.ViewCallback();
                    if (engine.trySubmitPurchase(order, CUSTOMER, SKU, 0, 1, filler) != SubmitResult.SUBMITTED) {
                        break;
                    }
                    fillers.add(filler);
                }
                assertEquals(ring - 1, fillers.size(), "the blocked callback holds one slot");
                ringFull.countDown();

                Throwable refusal = failureOf(fromStage.future);
                assertInstanceOf(IllegalStateException.class, refusal);
                assertTrue(refusal.getMessage().startsWith(
                        "submitPurchase found shard 0's ring full on purestock-shard-0-complete"), refusal.getMessage());
                for (EngineFixtures.ViewCallback filler : fillers) {
                    assertTrue(filler.future.join().accepted());
                }
                assertEquals(10 - (ring - 1), engine.readModel().available(SKU, 0), "the refused purchase took nothing");
            }
        });
    }
}
