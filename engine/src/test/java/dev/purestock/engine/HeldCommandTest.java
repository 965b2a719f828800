package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Commands held for later: the engine keeps them in the state and sends the time command that decides them when
 * their time comes on its clock, journaled like any command. (The timeouts only guard against a hang; the tests
 * wait on what a consumer sees.)
 */
class HeldCommandTest {
    private static final long START = 1_000;
    private static final long AT = 2_000;
    private static final Command.Purchase PURCHASE = new Command.Purchase(7, 3, 1, 0, 2);

    private final AtomicLong clock = new AtomicLong(START);

    @Test
    void aHeldCommandIsDecidedOnceItsTimeHasComeAndNotBefore() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).journal(shard -> journal).build()) {
            stock(engine);
            Outcome held = engine.submitAt(1, AT, PURCHASE).join();
            assertEquals(List.of(new Event.CommandHeld(1, AT, PURCHASE)), held.events());
            assertEquals(new HeldCommand(1, AT, PURCHASE), engine.readModel().heldCommand(1));
            assertEquals(List.of(new HeldCommand(1, AT, PURCHASE)), engine.readModel().heldCommands());

            clock.set(AT - 1);
            assertEquals(List.of(), engine.submit(new Command.ExpireReservations()).join().events(), "not yet");
            assertEquals(10, engine.readModel().available(1, 0));

            clock.set(AT);
            Outcome due = engine.submit(new Command.ExpireReservations()).join();
            assertEquals(new Event.HoldReleased(1), due.events().get(0));
            assertInstanceOf(Event.PurchaseAccepted.class, due.events().get(1));
            assertEquals(8, engine.readModel().available(1, 0));
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(7));
            assertNull(engine.readModel().heldCommand(1));
            assertEquals(List.of(), engine.submit(new Command.ExpireReservations()).join().events(), "only once");
            assertEquals(AT, journal.entries().get(journal.size() - 2).time());
        }
    }

    @Test
    void theTimerSendsTheTimeCommandWhenTheClockReachesAHold() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            InMemoryJournal journal = new InMemoryJournal();
            CountDownLatch released = new CountDownLatch(1);
            try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                    .expireReservationsEvery(Duration.ofMillis(5)).journal(shard -> journal)
                    .consumer((command, outcome) -> {
                        if (outcome.events().contains(new Event.HoldReleased(1))) {
                            released.countDown();
                        }
                    }).build()) {
                stock(engine);
                engine.submitAt(1, AT, PURCHASE).join();
                clock.set(AT);
                released.await();
                assertEquals(8, engine.readModel().available(1, 0));
                List<InMemoryJournal.Entry> releases = journal.entries().stream()
                        .filter(e -> e.events().contains(new Event.HoldReleased(1))).toList();
                assertEquals(1, releases.size());
                assertEquals(AT, releases.get(0).time());
                assertInstanceOf(Command.ExpireReservations.class, releases.get(0).command());
            }
        });
    }

    @Test
    void onTheRealClockHoldsAndExpiriesFireAtTheirTimeNotAtThePeriod() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            CountDownLatch fired = new CountDownLatch(2);
            InMemoryJournal journal = new InMemoryJournal();
            // a period of an hour: only the due times can make the timer send anything during the test
            try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ofHours(1))
                    .journal(shard -> journal)
                    .consumer((command, outcome) -> outcome.events().forEach(event -> {
                        if (event instanceof Event.HoldReleased || event instanceof Event.ReservationExpired) {
                            fired.countDown();
                        }
                    })).build()) {
                stock(engine);
                long now = System.currentTimeMillis();
                engine.submitAt(1, now + 50, PURCHASE).join();
                assertTrue(engine.submit(new Command.Reserve(9, 4, List.of(new Line(1, 0, 3)), now + 80)).join()
                        .accepted());
                fired.await();
                assertEquals(8, engine.readModel().available(1, 0), "2 bought when due; the 3 reserved came back");
                assertEquals(OrderStatus.EXPIRED, engine.readModel().orderStatus(9));
                for (InMemoryJournal.Entry entry : journal.entries()) {
                    if (entry.events().contains(new Event.HoldReleased(1))) {
                        assertTrue(entry.time() >= now + 50, "never before its time: " + entry);
                    }
                }
            }
        });
    }

    @Test
    void aRecoveredHoldThatIsAlreadyDueIsDecidedOnStart() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            PrimitiveInventoryStore store = new PrimitiveInventoryStore();
            for (Command command : List.of(list(1), receive(1, 1, 0, 10), new Command.Hold(1, AT, PURCHASE))) {
                Inventory.evolveAll(store, START, Inventory.decide(command, START, store));
            }
            clock.set(AT + 10);
            CountDownLatch released = new CountDownLatch(1);
            try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                    .expireReservationsEvery(Duration.ofHours(1))
                    .initialState(shard -> new ShardState(store, 3, START))
                    .consumer((command, outcome) -> {
                        if (outcome.events().contains(new Event.HoldReleased(1))) {
                            released.countDown();
                        }
                    }).build()) {
                released.await();
                assertEquals(8, engine.readModel().available(1, 0));
            }
        });
    }

    @Test
    void theReadModelStartsWithTheRecoveredHoldsAndRoutesTheirCancels() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        for (Command command : List.of(list(1), receive(1, 1, 0, 10), new Command.Hold(1, AT, PURCHASE))) {
            Inventory.evolveAll(store, START, Inventory.decide(command, START, store));
        }
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO)
                .initialState(shard -> new ShardState(store, 3, START)).build()) {
            assertEquals(new HeldCommand(1, AT, PURCHASE), engine.readModel().heldCommand(1));
            assertEquals(List.of(new Event.HoldCancelled(1)), engine.cancelHold(1).join().events());
        }
    }

    @Test
    void aHoldIsCancelledOnTheShardThatHoldsIt() {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).journal(shard -> journals[shard]).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 1, 10)).join();
            Command.Purchase atWarehouseOne = new Command.Purchase(7, 3, 1, 1, 2);
            assertEquals(1, engine.submitAt(1, AT, atWarehouseOne).join().shard());
            Outcome cancelled = engine.cancelHold(1).join();
            assertEquals(1, cancelled.shard());
            assertEquals(List.of(new Event.HoldCancelled(1)), cancelled.events());
            assertNull(engine.readModel().heldCommand(1));
            assertEquals(Reason.UNKNOWN_HOLD, assertInstanceOf(Event.Rejected.class,
                    engine.cancelHold(1).join().events().get(0)).reason());
            clock.set(AT);
            engine.submit(new Command.ExpireReservations()).join();
            assertEquals(10, engine.readModel().available(1, 1), "a cancelled hold is never decided");
        }
    }

    @Test
    void aShardedEngineRefusesToHoldACommandForEveryShardOrAnIdHeldElsewhere() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            assertEquals(EngineRefusal.CROSS_SHARD, assertInstanceOf(Event.Rejected.class,
                    engine.submitAt(1, AT, list(2)).join().events().get(0)).reason());
            assertTrue(engine.submitAt(2, AT, new Command.Purchase(7, 3, 1, 0, 2)).join().accepted());
            assertEquals(Reason.ID_REUSED, assertInstanceOf(Event.Rejected.class,
                    engine.submitAt(2, AT, new Command.Purchase(8, 3, 1, 1, 2)).join().events().get(0)).reason());
        }
    }

    /**
     * An order id a held command will create on one shard is not taken by a new order on another: the router
     * knew only the orders the shards had accepted, so a purchase under the id of a held purchase went to its
     * own shard and was accepted, and when the hold fell due its shard accepted the same id too: two orders
     * under one id, of which a cancel reached only one (the other's units stayed sold for good).
     */
    @Test
    void anOrderIdAHoldWillCreateOnOneShardIsNotTakenOnAnother() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            engine.submit(receive(2, 1, 1, 10)).join();
            assertEquals(0, engine.submitAt(1, AT, new Command.Purchase(7, 3, 1, 0, 2)).join().shard());
            Outcome elsewhere = engine.submit(new Command.Purchase(7, 3, 1, 1, 2)).join();
            assertEquals(List.of(new Event.Rejected(Reason.ID_REUSED, 7)), elsewhere.events());
            EngineFixtures.FutureCallback fields = new EngineFixtures.FutureCallback();
            engine.submitPurchase(7, 3, 1, 1, 2, fields);
            assertEquals(List.of(new Event.Rejected(Reason.ID_REUSED, 7)), fields.future.join().events());
            Outcome heldElsewhere = engine.submitAt(2, AT, new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(new Command.Reserve(7, 3, List.of(new Line(1, 1, 1)), AT + 10)))).join();
            assertEquals(EngineRefusal.CROSS_SHARD, heldElsewhere.reason().orElseThrow(), "a batch member's id elsewhere");
            engine.submitAt(3, AT, new Command.Purchase(9, 3, 1, 0, 1)).join();
            engine.cancelHold(3).join();
            assertTrue(engine.submit(new Command.Purchase(9, 3, 1, 1, 1)).join().accepted(), "a cancelled hold lets go");
            engine.submit(new Command.CancelPurchase(9)).join();
            clock.set(AT);
            engine.submit(new Command.ExpireReservations()).join();
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(7));
            assertEquals(8, engine.readModel().available(1, 0));
            assertEquals(10, engine.readModel().available(1, 1), "no second order 7 took units of warehouse 1");
            assertTrue(engine.submit(new Command.CancelPurchase(7)).join().accepted());
            assertEquals(10, engine.readModel().available(1, 0));
        }
    }

    /**
     * A held command that may go to any shard (a cancel of an order no shard holds) under a hold id another shard
     * holds goes to that shard, which refuses the reused id: it used to go to shard 0, which held the id a second
     * time, and the read model then knew only one of the two holds.
     */
    @Test
    void aHoldOfACommandForAnyShardUnderAnIdHeldElsewhereGoesWhereTheIdIsHeld() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            Outcome first = engine.submitAt(5, AT, new Command.Purchase(7, 3, 1, 1, 2)).join();
            assertEquals(1, first.shard(), "hold 5 is held by shard 1");

            Outcome second = engine.submitAt(5, AT, new Command.CancelPurchase(99)).join();

            assertEquals(1, second.shard(), "decided where hold 5 is held");
            assertEquals(Reason.ID_REUSED, assertInstanceOf(Event.Rejected.class, second.events().get(0)).reason());
            assertEquals(1, engine.submit(new Command.CancelHold(5)).join().shard(), "the one hold is cancelled");
        }
    }

    /**
     * A hold of the time command, alone or in a batch, is not holdable however many shards there are: a sharded
     * engine answered it CROSS_SHARD, "the command spans warehouses of different shards", as it routes the time
     * command to every shard, where one shard answers NOT_HOLDABLE, so a caller was told to split what no
     * split would make holdable.
     */
    @Test
    void aHoldOfTheTimeCommandIsNotHoldableWhateverTheShards() {
        for (int shards = 1; shards <= 2; shards++) {
            try (PurestockEngine engine = PurestockEngine.builder().shards(shards).clock(clock::get)
                    .expireReservationsEvery(Duration.ZERO).build()) {
                assertEquals(Reason.NOT_HOLDABLE, engine.submitAt(1, AT, new Command.ExpireReservations()).join()
                        .reason().orElseThrow(), shards + " shard(s)");
                Command batch = new Command.Batch(Command.Batch.Mode.ATOMIC,
                        List.of(new Command.Purchase(7, 3, 1, 1, 2), new Command.ExpireReservations()));
                assertEquals(Reason.NOT_HOLDABLE, engine.submitAt(2, AT, batch).join().reason().orElseThrow(),
                        shards + " shard(s)");
                assertTrue(engine.readModel().heldCommands().isEmpty());
            }
        }
    }

    /**
     * A hold of an order whose id another shard's order has is refused naming the order id: it was refused
     * ID_REUSED naming the hold id, so the caller took its hold id for the one reused.
     */
    @Test
    void aHoldOfAnOrderWhoseIdIsElsewhereIsRefusedNamingTheOrder() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).build()) {
            stock(engine);
            assertTrue(engine.submit(new Command.Purchase(7, 3, 1, 0, 2)).join().accepted());
            Outcome refused = engine.submitAt(5, AT, new Command.Purchase(7, 3, 1, 1, 2)).join();
            assertEquals(List.of(new Event.Rejected(Reason.ID_REUSED, 7)), refused.events());
            assertNull(engine.readModel().heldCommand(5));
        }
    }

    /**
     * A held cancel, confirm or release goes to the shard of its order, and so does a held batch of them: where the
     * order is when the hold is submitted, or where a command held there will create it.
     */
    @Test
    void aHeldCommandOfAnOrderGoesToTheOrdersShard() {
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 1, 10)).join();
            assertTrue(engine.submit(new Command.Purchase(7, 3, 1, 1, 2)).join().accepted());
            assertTrue(engine.submit(new Command.Reserve(8, 3, List.of(new Line(1, 1, 1)), AT + 100)).join()
                    .accepted());
            assertEquals(1, engine.submitAt(1, AT, new Command.CancelPurchase(7)).join().shard());
            assertEquals(1, engine.submitAt(2, AT, new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(new Command.ConfirmReservation(8)))).join().shard());
            engine.submitAt(3, AT, new Command.Purchase(9, 3, 1, 1, 2)).join();
            engine.submitAt(4, AT + 1, new Command.Reserve(10, 3, List.of(new Line(1, 1, 1)), AT + 100)).join();

            assertEquals(1, engine.submitAt(5, AT + 2, new Command.CancelPurchase(9)).join().shard(),
                    "where the held purchase will create order 9");
            assertEquals(1, engine.submitAt(6, AT + 2, new Command.Batch(Command.Batch.Mode.ATOMIC,
                    List.of(new Command.ReleaseReservation(10)))).join().shard(), "a held batch too");

            clock.set(AT + 2);
            engine.submit(new Command.ExpireReservations()).join();
            assertEquals(OrderStatus.CANCELLED, engine.readModel().orderStatus(7));
            assertEquals(OrderStatus.CONFIRMED, engine.readModel().orderStatus(8));
            assertEquals(OrderStatus.CANCELLED, engine.readModel().orderStatus(9));
            assertEquals(OrderStatus.RELEASED, engine.readModel().orderStatus(10));
            assertEquals(9, engine.readModel().available(1, 1), "only order 8's unit is out");
            assertTrue(engine.readModel().heldCommands().isEmpty());
        }
    }

    @Test
    void intakeRefusesAHoldOfAHold() {
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO).build()) {
            Outcome refused = engine.submitAt(1, AT, new Command.Hold(2, AT, PURCHASE)).join();
            assertEquals(Outcome.NOT_SEQUENCED, refused.sequence());
            assertEquals(Reason.NOT_HOLDABLE, assertInstanceOf(Event.Rejected.class, refused.events().get(0))
                    .reason());
        }
    }

    /**
     * {@code Long.MAX_VALUE} is {@link NextDue#NEVER}: the timer sends no time command for a hold or a reservation
     * due then, whatever the clock reads. A clock that read it made every shard due: each run sent a time command
     * to every shard with nothing to do, and each answer woke the timer for the next at once, one journaled record
     * after another for as long as the clock read so. A time command sequenced then still decides what is due then.
     */
    @Test
    void theTimerSendsNothingForWhatIsDueAtLongMaxValueEvenWhenTheClockReadsIt() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).keepDueTimes().journal(shard -> journal).build()) {
            stock(engine);
            engine.submitAt(1, Long.MAX_VALUE, PURCHASE).join();
            assertTrue(engine.submit(new Command.Reserve(9, 4, List.of(new Line(1, 0, 3)), Long.MAX_VALUE)).join()
                    .accepted());
            int journaled = journal.size();

            clock.set(Long.MAX_VALUE - 1);
            assertEquals(journaled, journaledAfterATimerRun(engine, journal), "nothing is due before the end of time");
            clock.set(Long.MAX_VALUE);
            assertEquals(journaled, journaledAfterATimerRun(engine, journal),
                    "what is due at Long.MAX_VALUE is due never, for the timer");

            Outcome due = engine.submit(new Command.ExpireReservations()).join();
            assertTrue(due.events().contains(new Event.HoldReleased(1)), due.events().toString());
            assertEquals(OrderStatus.EXPIRED, engine.readModel().orderStatus(9));
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(7));
            assertEquals(8, engine.readModel().available(1, 0), "2 bought; the 3 reserved came back");
            assertEquals(journaled + 1, journaledAfterATimerRun(engine, journal),
                    "nothing held, nothing reserved, the clock at Long.MAX_VALUE: no time command");
        }
    }

    /** Makes a run of the timer and waits until shard 0 decided what it sent; the journal's size. */
    private static int journaledAfterATimerRun(PurestockEngine engine, InMemoryJournal journal) {
        engine.expireReservations();
        engine.digest(0).join();
        return journal.size();
    }

    private static void stock(PurestockEngine engine) {
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, 10)).join();
    }
}
