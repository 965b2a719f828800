package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine forgets orders as their retention windows end, at the pace they came in, not a timer period's worth at
 * once: each shard's decision stage tells the timer when its oldest orders fall due, the timer sends the time
 * command then, and a shard holding orders that are not yet due gets none. The engine's clock is the test's; the
 * timer's period is an hour, far longer than the test, so only due times send time commands. (The bounded waits
 * only guard against a hang: a wait that runs out is a failure.)
 */
class ForgettingPaceTest {
    private static final long START = 1_000_000;
    /** The bound on each wait for what must come: far longer than the work, shorter than the run's timeout. */
    private static final long WAIT_SECONDS = 20;

    private final AtomicLong clock = new AtomicLong(START);

    /**
     * Under a steady intake of 300 orders each millisecond and a 20 ms window, each millisecond forgets the 300
     * orders whose window ended then, in two time commands (255 and 45), no more. The timer used to offer the time
     * command to a shard holding orders once a period (a second by default) and no sooner, so each such run found a
     * whole period's orders past their window and forgot them in one burst, 35 to 90 times the intake (about 20,000
     * at 20,000 orders a second); with this hour-long period it forgot nothing within the test at all.
     */
    @Test
    void underASteadyIntakeEachMillisecondForgetsTheOrdersWhoseWindowEndedThenAndNoMore() throws InterruptedException {
        int perMilli = 300;
        int window = 20;
        int millis = 60;
        InMemoryJournal journal = new InMemoryJournal();
        Semaphore forgotten = new Semaphore(0);
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ofHours(1)).retainOrdersFor(Duration.ofMillis(window))
                .journal(shard -> journal)
                .consumer((command, outcome) -> forgotten.release((int) outcome.events().stream()
                        .filter(Event.OrderForgotten.class::isInstance).count()))
                .build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, (long) perMilli * millis)).join();
            long order = 0;
            for (int milli = 0; milli < millis; milli++) {
                order = buyAt(engine, START + milli, perMilli, order);
                // the orders of millisecond m are forgotten from m + window + 1 on
                int due = milli > window ? perMilli : 0;
                assertTrue(forgotten.tryAcquire(due, WAIT_SECONDS, TimeUnit.SECONDS), "at millisecond " + milli
                        + " the " + due + " orders whose window ended were not forgotten: "
                        + forgotten.availablePermits() + " were");
            }

            Map<Long, Integer> forgottenAt = new TreeMap<>();
            Map<Long, Integer> timeCommandsAt = new TreeMap<>();
            for (InMemoryJournal.Entry entry : journal.entries()) {
                if (entry.command() instanceof Command.ExpireReservations) {
                    timeCommandsAt.merge(entry.time(), 1, Integer::sum);
                    forgottenAt.merge(entry.time(), (int) entry.events().stream()
                            .filter(Event.OrderForgotten.class::isInstance).count(), Integer::sum);
                }
            }
            assertEquals(millis - window - 1, forgottenAt.size(), "forgetting in each millisecond: " + forgottenAt);
            forgottenAt.forEach((time, count) -> assertEquals(perMilli, count, "at " + time + ": " + forgottenAt));
            int commands = (perMilli + Limits.MAX_FORGOTTEN_PER_COMMAND - 1) / Limits.MAX_FORGOTTEN_PER_COMMAND;
            timeCommandsAt.forEach((time, count) -> assertEquals(commands, count, "time commands at " + time + ": "
                    + timeCommandsAt));
            assertEquals(0, forgotten.availablePermits(), "nothing forgotten before its window ended");
        }
    }

    /**
     * Under a steady intake of a full time command's worth of orders (or two) each millisecond, each millisecond's
     * orders are forgotten by as many time commands as they fill, and no more: the runs a timer makes after each
     * answer send nothing once what was due is gone. A time command that forgot the most one may used to leave a
     * backlog whatever was left, so each was followed by one more that found nothing (two after two full ones): twice
     * the time commands, each journaled, decided and answered, at a steady intake that the due times already pace.
     * The answer now starts a backlog only when the shard's due time says more is due at once.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void aSteadyIntakeOfFullTimeCommandsWorthGetsOneTimeCommandPerFullWorthAndNoMore(int fullPerMilli) {
        int perMilli = fullPerMilli * Limits.MAX_FORGOTTEN_PER_COMMAND;
        int window = 5;
        int millis = 30;
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO).keepDueTimes()
                .retainOrdersFor(Duration.ofMillis(window)).journal(shard -> journal).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, (long) perMilli * millis)).join();
            long order = 0;
            for (int milli = 0; milli < millis; milli++) {
                order = buyAt(engine, START + milli, perMilli, order);
                // the runs a timer makes: one when something falls due, then one after each answer, until a run
                // has nothing to send (with nothing unanswered)
                for (int run = 0; run < 4 * fullPerMilli && engine.expireReservations(); run++) {
                    answeredSoFar(engine);
                }
                answeredSoFar(engine);
            }
            List<List<Event>> timeCommands = timeCommands(journal);
            int dueMillis = millis - window - 1;
            assertEquals((long) dueMillis * perMilli, timeCommands.stream().mapToLong(List::size).sum(),
                    "each due millisecond's orders forgotten");
            assertEquals(dueMillis * fullPerMilli, timeCommands.size(), "one time command per "
                    + Limits.MAX_FORGOTTEN_PER_COMMAND + " orders, each full: " + timeCommands.stream()
                    .map(List::size).toList());
        }
    }

    /**
     * A shard holding a finished order whose window has not ended gets no time command, whatever the timer's runs:
     * the timer's run of each period used to offer one to every shard holding an order that may be forgotten, so
     * with the default 24-hour window a shard journaled an empty time command every second (some 86,400 a day). The
     * first run once the order falls due forgets it.
     */
    @Test
    void aShardHoldingOrdersNotYetDueGetsNoTimeCommandUntilTheyAre() {
        long window = 60_000;
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO).keepDueTimes()
                .retainOrdersFor(Duration.ofMillis(window)).journal(shard -> journal).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(new Command.Purchase(42, 7, 1, 0, 1)).join().accepted());
            for (long at : new long[] {START + 1, START + window / 2, START + window}) {
                clock.set(at);
                assertFalse(engine.expireReservations(), "nothing due at " + at);
                answeredSoFar(engine);
            }
            assertEquals(List.of(), timeCommands(journal), "no time command while the order is not due");

            clock.set(START + window + 1);
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(List.of(List.<Event>of(new Event.OrderForgotten(42))), timeCommands(journal));
            assertFalse(engine.expireReservations(), "nothing held: nothing sent");
            answeredSoFar(engine);
            assertEquals(1, timeCommands(journal).size());
        }
    }

    /**
     * A shard that starts from a recovered state (a journal's or a snapshot's) holding orders already past their
     * window forgets them at once: the decision stage's due time, computed as it starts, counts forgetting. It used
     * to count only reservations and held commands, so such orders waited for the timer's run of a period.
     */
    @Test
    void aShardRecoveredWithOrdersPastTheirWindowForgetsThemAtOnce() throws InterruptedException {
        long window = 60_000;
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(StoreCapacity.DEFAULT);
        apply(store, list(1), START - 10);
        apply(store, receive(1, 1, 0, 10), START - 10);
        apply(store, new Command.Purchase(42, 7, 1, 0, 1), START);
        apply(store, new Command.Purchase(43, 7, 1, 0, 1), START + 5);
        clock.set(START + window + 1);
        Semaphore forgotten = new Semaphore(0);
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ofHours(1)).retainOrdersFor(Duration.ofMillis(window))
                .initialState(shard -> new ShardState(store, 4, START + 5))
                .consumer((command, outcome) -> forgotten.release((int) outcome.events().stream()
                        .filter(Event.OrderForgotten.class::isInstance).count()))
                .build()) {
            assertTrue(forgotten.tryAcquire(1, WAIT_SECONDS, TimeUnit.SECONDS), "order 42 was not forgotten");
            assertNull(engine.readModel().orderStatus(42));
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(43), "still within its window");
        }
    }

    /**
     * A shard recovered with an engine clock behind its last command's time (a restart on a machine whose clock lags
     * the one that wrote the journal, or a clock stepped back) stamps its commands with that last time until the
     * clock catches up, so an order whose window ended by then is due on the shard's own time: a time command sent
     * now forgets it. The timer compared the due time with the clock alone and sent none until the clock reached
     * it, here a window later (with a clock that stays behind, never); the timer's run of each period used to send
     * one that forgot it. The due time of what is due by the shard's own time is now reported due at once.
     */
    @Test
    void aShardWhoseClockIsBehindItsLastTimeForgetsTheOrdersPastTheirWindowOnItsOwnTime() {
        long window = 60_000;
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(StoreCapacity.DEFAULT);
        apply(store, list(1), START);
        apply(store, receive(1, 1, 0, 10), START);
        apply(store, new Command.Purchase(42, 7, 1, 0, 1), START);
        apply(store, new Command.Purchase(43, 7, 1, 0, 1), START + 3 * window);
        clock.set(START + 5);
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO).keepDueTimes()
                .retainOrdersFor(Duration.ofMillis(window))
                .initialState(shard -> new ShardState(store, 4, START + 3 * window)).build()) {
            engine.expireReservations();
            answeredSoFar(engine);
            assertNull(engine.readModel().orderStatus(42), "its window ended at " + (START + window + 1)
                    + ", before the shard's last time, " + (START + 3 * window));
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(43), "still within its window");
            assertFalse(engine.expireReservations(), "nothing more due on the shard's time: nothing sent");
        }
    }

    /**
     * A state whose order of last changes is not their time order (a store built by hand, or imported, and handed
     * to {@link PurestockEngine.Builder#initialState}) gets no time command that can forget nothing: forgetting
     * stops at the first order still inside its window, so a full command's worth is due only when the newest of
     * the oldest 255 is, not the 255th. The due time used to follow the 255th, older than the first here, so it
     * stayed in the past while the first order held the rest back: every run sent a time command that forgot
     * nothing, and each answer woke the timer for the next, a journaled record each, until the first order's window
     * ended.
     */
    @Test
    void ordersChangedOutOfTimeOrderGetNoTimeCommandUntilTheFirstFallsDue() {
        long window = 60_000;
        int older = 300;
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(StoreCapacity.DEFAULT);
        apply(store, list(1), START - 20 * window);
        apply(store, receive(1, 1, 0, older + 1), START - 20 * window);
        apply(store, new Command.Purchase(1, 7, 1, 0, 1), START);
        for (long order = 2; order <= older + 1; order++) {
            apply(store, new Command.Purchase(order, 7, 1, 0, 1), START - 10 * window);
        }
        clock.set(START + 1);
        List<List<Event>> timeCommands = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO).keepDueTimes()
                .retainOrdersFor(Duration.ofMillis(window))
                .initialState(shard -> new ShardState(store, older + 3, START))
                .consumer((command, outcome) -> {
                    if (command instanceof Command.ExpireReservations) {
                        timeCommands.add(outcome.events());
                    }
                })
                .build()) {
            for (int run = 0; run < 3; run++) {
                engine.expireReservations();
                answeredSoFar(engine);
            }
            assertEquals(List.of(), timeCommands, "the first order holds the others back: nothing can be forgotten");

            clock.set(START + window + 1);
            for (int run = 0; run < 4; run++) {
                engine.expireReservations();
                answeredSoFar(engine);
            }
            assertEquals(older + 1, timeCommands.stream().mapToLong(events -> events.stream()
                    .filter(Event.OrderForgotten.class::isInstance).count()).sum(), "all forgotten: " + timeCommands);
            assertNull(engine.readModel().orderStatus(1));
            assertNull(engine.readModel().orderStatus(older + 1));
        }
    }

    /**
     * With the timer off ({@code expireReservationsEvery(Duration.ZERO)}) nothing reads the due times, so the
     * decision stages keep none: the shard's entry stays never through a purchase, a reservation, a hold and the
     * caller's time command, where each decision stage used to compute them all the same (after each time command a
     * walk of up to 255 orders). The caller's time command does what it did: the same events as in an engine that
     * keeps the due times, whose entry shows what would have been kept.
     */
    @Test
    void withTheTimerOffTheDecisionStagesKeepNoDueTimesAndTheCallersTimeCommandDoesTheSame() {
        long window = 60_000;
        List<Event> kept = timerOffHistory(window, true);
        List<Event> notKept = timerOffHistory(window, false);
        assertEquals(new Event.OrderForgotten(1), kept.get(0), "the time command forgot the purchase: " + kept);
        assertTrue(kept.contains(new Event.HoldReleased(3)), "and released the hold: " + kept);
        assertTrue(kept.stream().anyMatch(event -> event instanceof Event.ReservationExpired expired
                && expired.orderId() == 2), "and expired the reservation: " + kept);
        assertEquals(kept, notKept);
    }

    /**
     * Buys, reserves and holds on an engine with the timer off that keeps the due times or not, asserts its due
     * time after each, then submits a time command once all fell due and returns its events.
     */
    private List<Event> timerOffHistory(long window, boolean keepDueTimes) {
        clock.set(START);
        PurestockEngine.Builder builder = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).retainOrdersFor(Duration.ofMillis(window));
        try (PurestockEngine engine = (keepDueTimes ? builder.keepDueTimes() : builder).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            assertTrue(engine.submit(new Command.Purchase(1, 7, 1, 0, 1)).join().accepted());
            assertEquals(keepDueTimes ? START + window + 1 : NextDue.NEVER, engine.dueTimes().dueAt(0),
                    "after the purchase");
            assertTrue(engine.submit(new Command.Reserve(2, 7, List.of(new Line(1, 0, 1)), START + 500)).join()
                    .accepted());
            assertEquals(keepDueTimes ? START + 500 : NextDue.NEVER, engine.dueTimes().dueAt(0), "after the reserve");
            assertTrue(engine.submitAt(3, START + 100, new Command.Purchase(4, 7, 1, 0, 1)).join().accepted());
            assertEquals(keepDueTimes ? START + 100 : NextDue.NEVER, engine.dueTimes().dueAt(0), "after the hold");

            clock.set(START + window + 1);
            Outcome outcome = engine.submit(new Command.ExpireReservations(window)).join();
            assertEquals(keepDueTimes, engine.dueTimes().dueAt(0) != NextDue.NEVER,
                    "after the time command, the orders it changed fall due in turn");
            return outcome.events();
        }
    }

    private static void apply(PrimitiveInventoryStore store, Command command, long time) {
        EventBuffer events = new EventBuffer();
        Inventory.decide(command, time, store, events);
        Inventory.evolveAll(store, time, events);
    }

    /** The events of each time command the journal holds, in order. */
    private static List<List<Event>> timeCommands(InMemoryJournal journal) {
        return journal.entries().stream().filter(entry -> entry.command() instanceof Command.ExpireReservations)
                .map(InMemoryJournal.Entry::events).toList();
    }

    /** Waits until the shard has answered everything submitted before: a command's answer comes after them. */
    private static void answeredSoFar(PurestockEngine engine) {
        engine.submit(new Command.ListProduct(999, 0)).join();
    }

    /**
     * Sets the clock to {@code at} and buys one unit of sku 1 in each of {@code count} orders, numbered from
     * {@code firstOrder} (each by its own customer), waiting for their answers; the next order's number.
     */
    private long buyAt(PurestockEngine engine, long at, int count, long firstOrder) {
        clock.set(at);
        List<Command> purchases = new ArrayList<>();
        for (long order = firstOrder; order < firstOrder + count; order++) {
            purchases.add(new Command.Purchase(order, order, 1, 0, 1));
        }
        engine.submitAll(purchases).forEach(CompletableFuture::join);
        return firstOrder + count;
    }
}
