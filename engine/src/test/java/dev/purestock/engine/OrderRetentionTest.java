package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine forgets orders a retention window after their last change: its timer sends the time command
 * with the window to shards whose orders fall due, the read model forgets them too, and a tick that forgot as
 * many as one may is followed by another soon. (The timeout only guards against a hang.)
 */
class OrderRetentionTest {
    private static final long START = 1_000_000;
    private static final long WINDOW = 60_000;

    /**
     * The slots the ring takes between two backlog runs in some of these tests, as a busy ring does while the timer
     * waits for answers: 512, room for eight time commands (one per 64 slots).
     */
    private static final int RING_TRIP = 8 * ExpiryTimer.Answer.RING_SLOTS_PER_COMMAND;

    private final AtomicLong clock = new AtomicLong(START);

    /**
     * An engine on the test's clock with the window {@link #WINDOW} and no timer thread, whose due times are kept
     * for the test to run the timer by hand ({@code expireReservations()}).
     */
    private PurestockEngine.Builder timedByHand() {
        return PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO).keepDueTimes()
                .retainOrdersFor(Duration.ofMillis(WINDOW));
    }

    @Test
    void theTimerForgetsAnOrderOnceItsWindowHasPassedAndEveryViewSaysItIsUnknown() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            InMemoryJournal journal = new InMemoryJournal();
            CountDownLatch forgotten = new CountDownLatch(1);
            try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                    .expireReservationsEvery(Duration.ofMillis(5)).retainOrdersFor(Duration.ofMillis(WINDOW))
                    .journal(shard -> journal)
                    .consumer((command, outcome) -> {
                        if (outcome.events().contains(new Event.OrderForgotten(42))) {
                            forgotten.countDown();
                        }
                    }).build()) {
                engine.submit(list(1)).join();
                engine.submit(receive(1, 1, 0, 10)).join();
                Command.Purchase buy = new Command.Purchase(42, 7, 1, 0, 2);
                assertTrue(engine.submit(buy).join().accepted());
                assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(42));

                clock.set(START + WINDOW + 1);
                forgotten.await();

                assertNull(engine.readModel().orderStatus(42), "the read model forgot it too");
                assertEquals(Reason.UNKNOWN_ORDER, engine.submit(new Command.CancelPurchase(42)).join()
                        .reason().orElseThrow());
                Outcome again = engine.submit(buy).join();
                assertInstanceOf(Event.PurchaseAccepted.class, again.events().get(0), "decided afresh");
                assertEquals(6, engine.readModel().available(1, 0));
                assertTrue(journal.entries().stream().anyMatch(entry ->
                                entry.command().equals(new Command.ExpireReservations(WINDOW))
                                        && entry.events().contains(new Event.OrderForgotten(42))),
                        "the forgetting is journaled with its window");
            }
        });
    }

    @Test
    void aTimeCommandThatForgotAsManyAsOneMayIsFollowedByAnotherOnTheNextBacklogRun() {
        int orders = Limits.MAX_FORGOTTEN_PER_COMMAND + 3;
        try (PurestockEngine engine = timedByHand().build()) {
            sellOneUnitEach(engine, orders);
            assertEquals(orders, remembered(engine, orders));
            clock.set(START + WINDOW + 1);

            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(3, remembered(engine, orders));
            // it forgot the most it may: a backlog run sends another at once (the rest is due too). What the run returns
            // depends on whether that one was answered yet, so the forgotten rest is what shows it was sent
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(0, remembered(engine, orders), "the backlog run forgot the rest");
            assertFalse(engine.expireReservations(), "no backlog: a backlog run sends nothing");
            assertFalse(engine.expireReservations(), "nothing remembered, nothing due: the run sends nothing");
        }
    }

    /**
     * A run took the room for a backlog's time commands (marking them in flight) before it read the engine's clock
     * for what falls due; a clock that threw there (it is the caller's) left them marked in flight though none was
     * sent, and no answer would ever clear them: that shard got no time command again, so nothing more expired,
     * no held command was decided and no order was forgotten there until a restart. The clock is now read first.
     */
    @Test
    void aClockThatThrowsAsABacklogRunStartsLeavesNoTimeCommandMarkedInFlight() {
        int orders = Limits.MAX_FORGOTTEN_PER_COMMAND + 3;
        AtomicBoolean failNext = new AtomicBoolean();
        try (PurestockEngine engine = PurestockEngine.builder().clock(() -> {
            if (failNext.getAndSet(false)) {
                throw new IllegalStateException("the time service did not answer");
            }
            return clock.get();
        }).expireReservationsEvery(Duration.ZERO).keepDueTimes().retainOrdersFor(Duration.ofMillis(WINDOW)).build()) {
            sellOneUnitEach(engine, orders);
            clock.set(START + WINDOW + 1);
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(3, remembered(engine, orders), "it forgot the most it may: a backlog");
            // a reservation that falls due: a run reads the clock for it
            long reservation = 1_000_000;
            engine.submit(receive(2, 1, 0, 1)).join();
            Outcome reserved = engine.submit(new Command.Reserve(reservation, 1, List.of(new Line(1, 0, 1)),
                    START + WINDOW + 2)).join();
            assertTrue(reserved.accepted(), reserved.toString());
            clock.set(START + WINDOW + 2);

            failNext.set(true);
            assertThrows(IllegalStateException.class, () -> engine.expireReservations());
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(OrderStatus.EXPIRED, engine.readModel().orderStatus(reservation), "the next run sent one");
            assertEquals(0, remembered(engine, orders), "it forgot the rest");
            assertEquals(OrderStatus.EXPIRED, engine.readModel().orderStatus(reservation), "the expired one is left");
        }
    }

    /**
     * A run marks the time commands a backlog may have in flight, then publishes them one by one; a publication that
     * threw (memory running out as it does; an exception or an {@link Error}) skipped the unmarking of that command
     * and of every one after it in the run, so they stayed marked in flight with none sent, and no answer would ever
     * clear them: that shard got no time command again until a restart. Each command that was not sent is unmarked,
     * and the throw still reaches the timer, which logs it and pauses.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aPublicationThatThrowsLeavesNoTimeCommandMarkedInFlight(boolean error) {
        int orders = Limits.MAX_FORGOTTEN_PER_COMMAND + 3;
        AtomicBoolean failNext = new AtomicBoolean();
        Throwable failure = error ? new OutOfMemoryError("Java heap space") : new IllegalStateException("no room");
        try (PurestockEngine engine = timedByHand().timeCommandFault(shard -> {
                    if (failNext.getAndSet(false)) {
                        if (failure instanceof Error e) {
                            throw e;
                        }
                        throw (RuntimeException) failure;
                    }
                }).build()) {
            sellOneUnitEach(engine, orders);
            clock.set(START + WINDOW + 1);
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(3, remembered(engine, orders), "it forgot the most it may: a backlog");

            failNext.set(true);
            assertSame(failure, assertThrows(Throwable.class, () -> engine.expireReservations()),
                    "the timer is told, and logs it");
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(0, remembered(engine, orders), "the next backlog run sent the time commands");
        }
    }

    @Test
    void aFullAnswerWakesTheTimerSoABacklogDrainsWithoutWaitingForTheNextPeriod() {
        int orders = 5 * Limits.MAX_FORGOTTEN_PER_COMMAND + 3;
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            CountDownLatch allForgotten = new CountDownLatch(orders);
            // a period far longer than the test: only the wake-ups can send the time commands after the first
            try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                    .expireReservationsEvery(Duration.ofHours(1)).retainOrdersFor(Duration.ofMillis(WINDOW))
                    .consumer((command, outcome) -> outcome.events().stream()
                            .filter(Event.OrderForgotten.class::isInstance).forEach(event -> allForgotten.countDown()))
                    .build()) {
                sellOneUnitEach(engine, orders);
                clock.set(START + WINDOW + 1);

                engine.expireReservations();
                allForgotten.await();
                answeredSoFar(engine);
                assertEquals(0, remembered(engine, orders), "six time commands forgot them all");
            }
        });
    }

    /**
     * Under a sale's full load a backlog's time command waits behind a ring's worth of purchases, so the time commands
     * one trip through the ring carries must forget more orders than that trip brings in, whatever the ring's size.
     * The timer kept eight in flight: 2,040 orders a trip, fewer than a 16,384-slot ring (or a 1,024-slot one with the
     * margin a full ring's wait for space needs) takes in meanwhile, so the orders remembered grew without bound
     * until the heap ran out. A backlog's commands go in spread out, one per 64 slots the ring takes (here
     * {@link #RING_TRIP} slots between runs, each command answered before the next run), after a ramp from one that
     * doubles with each full answer: so a ring's worth of slots carries one command per 64 of them (and what the
     * ramp left of the slots' share, a ring's worth at most), which forget about four times as many orders as the
     * ring took.
     */
    @ParameterizedTest
    @ValueSource(ints = {1024, 16_384})
    void oneTripOfABacklogsTimeCommandsForgetsMoreOrdersThanAFullRingTakesInMeanwhile(int ringSize) {
        int perRun = RING_TRIP / ExpiryTimer.Answer.RING_SLOTS_PER_COMMAND;
        int rampRuns = Integer.numberOfTrailingZeros(perRun) + 1;
        int runsATrip = ringSize / RING_TRIP;
        int most = ExpiryTimer.Answer.maxInFlight(ringSize);
        // the due run's one, the ramp's 1 + 2 + 4 + 8, and a trip (with the slots' share left from the ramp, a
        // ring's worth at most), with some left over
        int orders = (2 * perRun + runsATrip * perRun + most) * Limits.MAX_FORGOTTEN_PER_COMMAND + 1_000;
        try (PurestockEngine engine = timedByHand().ringSize(ringSize).build()) {
            sellOneUnitEach(engine, orders);
            clock.set(START + WINDOW + 1);
            engine.expireReservations();
            answeredSoFar(engine);
            long backlog = remembered(engine, orders);
            assertEquals(orders - Limits.MAX_FORGOTTEN_PER_COMMAND, backlog, "the due run's one forgot the most");
            for (int run = 0; run < rampRuns; run++) {
                ringTakes(engine, RING_TRIP);
                engine.expireReservations();
                answeredSoFar(engine);
                long left = remembered(engine, orders);
                assertEquals((long) Limits.MAX_FORGOTTEN_PER_COMMAND << run, backlog - left, "run " + run);
                backlog = left;
            }

            for (int run = 0; run < runsATrip; run++) {
                ringTakes(engine, RING_TRIP);
                engine.expireReservations();
            }
            answeredSoFar(engine);
            long left = remembered(engine, orders);
            long forgotten = backlog - left;
            assertTrue(left > 0, "a backlog was left: the trip forgot what the slots allowed, not all there was");
            assertEquals(0, forgotten % Limits.MAX_FORGOTTEN_PER_COMMAND, "all full: " + forgotten);
            long commands = forgotten / Limits.MAX_FORGOTTEN_PER_COMMAND;
            assertTrue(commands >= (long) runsATrip * perRun && commands <= (long) runsATrip * perRun + most,
                    "one per 64 slots the ring took, and what the ramp left of that: " + commands);
            assertTrue(forgotten >= 2L * ringSize, "one trip forgot " + forgotten + " orders, fewer than twice the "
                    + ringSize + " a full ring takes in meanwhile");
        }
    }

    /**
     * The ring takes {@code slots} commands that change no order, each shard's ({@code ListProduct} goes to every
     * shard), all answered.
     */
    private static void ringTakes(PurestockEngine engine, int slots) {
        engine.submitAll(Collections.nCopies(slots, new Command.ListProduct(999, 0)))
                .forEach(CompletableFuture::join);
    }

    /**
     * One full answer had the next backlog run send as many time commands as a backlog may ever have in flight (one
     * per 64 ring slots): with a 16,384-slot ring, 256 for the 45 orders left of a backlog of 300, so 255 time
     * commands went through the ring, the decision stage, the journal and the answers, forgetting nothing. The
     * commands in flight now start at one and grow with the full answers, so one more time command forgets the
     * rest.
     */
    @Test
    void aSmallBacklogIsForgottenByAsManyTimeCommandsAsItTakesNotByARingsWorth() {
        int orders = 300;
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = timedByHand().ringSize(16_384).journal(shard -> journal).build()) {
            sellOneUnitEach(engine, orders);
            clock.set(START + WINDOW + 1);
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(orders - Limits.MAX_FORGOTTEN_PER_COMMAND, remembered(engine, orders));

            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(0, remembered(engine, orders), "the backlog run forgot the rest");
            assertEquals(List.of(Limits.MAX_FORGOTTEN_PER_COMMAND, orders - Limits.MAX_FORGOTTEN_PER_COMMAND),
                    timeCommandEvents(journal), "the events of each time command journaled");
            assertFalse(engine.expireReservations(), "the answer was not full: no backlog left");
        }
    }

    /**
     * A backlog whose size the timer cannot know (the orders it may forget include those whose window has not passed)
     * is found by doubling the time commands in flight each trip while their answers come back full: the ones that
     * forget nothing once it is gone are fewer than the ones that forgot the most. One full answer used to send 256
     * with this ring, 236 of them for nothing.
     */
    @Test
    void aBacklogsTimeCommandsThatForgetNothingAreFewerThanTheOnesThatForgetTheMost() {
        int full = 20;
        int orders = full * Limits.MAX_FORGOTTEN_PER_COMMAND + 3;
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = timedByHand().ringSize(16_384).journal(shard -> journal).build()) {
            sellOneUnitEach(engine, orders);
            clock.set(START + WINDOW + 1);
            engine.expireReservations();
            answeredSoFar(engine);
            int trips = 0;
            while (remembered(engine, orders) > 0 && trips < 20) {
                ringTakes(engine, RING_TRIP);
                engine.expireReservations();
                answeredSoFar(engine);
                trips++;
            }
            List<Integer> events = timeCommandEvents(journal);
            engine.expireReservations();
            answeredSoFar(engine);
            assertEquals(events.size(), timeCommandEvents(journal).size(), "the last answers were not full: no more");
            assertEquals(full, events.stream().filter(count -> count == Limits.MAX_FORGOTTEN_PER_COMMAND).count());
            assertEquals(1, events.stream().filter(count -> count == 3).count(), events.toString());
            long empty = events.stream().filter(count -> count == 0).count();
            assertEquals(events.size(), full + 1 + empty, events.toString());
            assertTrue(empty < full, empty + " time commands forgot nothing: " + events);
            assertEquals(5, trips, "one in flight, then two, four, eight and sixteen: " + events);
        }
    }

    /** How many events each time command the journal holds decided, in order. */
    private static List<Integer> timeCommandEvents(InMemoryJournal journal) {
        return journal.entries().stream().filter(entry -> entry.command() instanceof Command.ExpireReservations)
                .map(entry -> entry.events().size()).toList();
    }

    /**
     * How many of orders {@code 0..orders-1} ({@link #sellOneUnitEach}) the read model still holds, as of the commands
     * answered so far: those not forgotten yet.
     */
    private static long remembered(PurestockEngine engine, int orders) {
        long remembered = 0;
        for (long order = 0; order < orders; order++) {
            if (engine.readModel().orderStatus(order) != null) {
                remembered++;
            }
        }
        return remembered;
    }

    /** Lists sku 1 with {@code orders} units and sells them, one to each of orders {@code 0..orders-1}. */
    private static void sellOneUnitEach(PurestockEngine engine, int orders) {
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, orders)).join();
        List<Command> purchases = new ArrayList<>();
        for (int i = 0; i < orders; i++) {
            purchases.add(new Command.Purchase(i, i % 100, 1, 0, 1));
        }
        engine.submitAll(purchases).forEach(CompletableFuture::join);
    }

    @Test
    void theTimerWaitsForTheNextRegularRunOrABriefPauseWhileABacklogDrains() {
        long second = Duration.ofSeconds(1).toNanos();
        assertEquals(second, ExpiryTimer.nextDelayNanos(second, false));
        assertEquals(ExpiryTimer.BACKLOG_PAUSE.toNanos(), ExpiryTimer.nextDelayNanos(second, true));
        assertEquals(1_000, ExpiryTimer.nextDelayNanos(1_000, true), "never later than the next regular run");
        assertEquals(0, ExpiryTimer.nextDelayNanos(-5, false), "a late regular run goes at once");
    }

    /**
     * The answer to one shard's time commands in a ring of {@code ringSize} slots, whose decision stage says more is
     * due at once, as after a time command that forgot the most one may and left more past their window.
     */
    private static ExpiryTimer.Answer moreDueAtOnce(int ringSize) {
        DueTimes dueTimes = new DueTimes(1, WINDOW, 0);
        dueTimes.recomputed(0, DueTimes.DUE_NOW);
        return ExpiryTimer.answers(dueTimes, ringSize)[0];
    }

    @Test
    void aShardWhoseTimeCommandIsUnansweredGetsNoOtherAndAFullAnswerLeavesABacklog() {
        ExpiryTimer.Answer answer = moreDueAtOnce(512);
        assertFalse(answer.backlog());
        assertEquals(0, answer.takeBacklogRoom(0), "no backlog, no room");
        assertTrue(answer.trySend(0));
        assertFalse(answer.trySend(0), "a run sends one time command at a time for what is due");
        assertTrue(answer.backlog(), "in flight: look again soon");
        answer.onOutcome(OutcomeView.of(0, 5, 6, forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND)));
        assertEquals(1, answer.allowed(), "one full answer: one more command");
        assertEquals(1, answer.takeBacklogRoom(0));
        assertEquals(0, answer.takeBacklogRoom(0), "and no more while it is in flight");
        answer.notSent(1);
        assertEquals(1, answer.takeBacklogRoom(0), "a command that was not sent frees its place");
        answer.onOutcome(OutcomeView.of(0, 6, 7, forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND)));
        assertEquals(2, answer.takeBacklogRoom(RING_TRIP), "a full answer frees its place and makes one more");
        answer.onOutcome(OutcomeView.of(0, 7, 8, forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND)));
        assertEquals(2, answer.takeBacklogRoom(2 * RING_TRIP),
                "the commands in flight double with each trip that comes back full");
        answer.onOutcome(OutcomeView.of(0, 8, 9, forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND - 1)));
        assertEquals(0, answer.allowed(), "an answer that is not full ends the backlog");
        assertEquals(0, answer.takeBacklogRoom(3 * RING_TRIP), "so the commands still in flight get no successor");
        answer.onOutcome(OutcomeView.of(0, 9, 10, List.of()));
        assertTrue(answer.backlog(), "one still in flight: look again soon");
        answer.onOutcome(OutcomeView.of(0, 10, 11, forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND)));
        assertEquals(1, answer.allowed(), "a full answer after one that was not starts again at one");
        assertEquals(1, answer.takeBacklogRoom(4 * RING_TRIP));
        answer.onFailure(new EngineClosedException("closed"));
        assertFalse(answer.backlog());
        assertEquals(0, answer.takeBacklogRoom(5 * RING_TRIP));
    }

    /**
     * A full answer leaves a backlog only when the shard's decision stage says more is due at once: one that forgot
     * exactly what was due, the shard's next due time still to come, leaves none (each full time command of a steady
     * intake used to be followed by one that found nothing), nor does one whose due time has no more.
     */
    @Test
    void aFullAnswerLeavesABacklogOnlyWhenTheShardSaysMoreIsDueAtOnce() {
        DueTimes dueTimes = new DueTimes(1, WINDOW, 0);
        ExpiryTimer.Answer answer = ExpiryTimer.answers(dueTimes, 512)[0];
        List<Event> full = forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND);
        for (long dueAt : new long[] {NextDue.NEVER, START + WINDOW, START}) {
            dueTimes.recomputed(0, dueAt);
            assertTrue(answer.trySend(0));
            answer.onOutcome(OutcomeView.of(0, 5, 6, full));
            assertEquals(0, answer.allowed(), "nothing due at once (" + dueAt + "): no backlog");
            assertFalse(answer.backlog());
        }
        dueTimes.recomputed(0, DueTimes.DUE_NOW);
        assertTrue(answer.trySend(0));
        answer.onOutcome(OutcomeView.of(0, 6, 7, full));
        assertEquals(1, answer.allowed(), "more due at once: a backlog");
        assertEquals(1, answer.takeBacklogRoom(0));
        dueTimes.recomputed(0, START + WINDOW);
        answer.onOutcome(OutcomeView.of(0, 7, 8, full));
        assertEquals(0, answer.allowed(), "the backlog ends with the first full answer after which nothing is due");
    }

    private static List<Event> forgotten(int count) {
        List<Event> events = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            events.add(new Event.OrderForgotten(i));
        }
        return events;
    }

    @Test
    void aBacklogsTimeCommandsInFlightScaleWithTheRingAtOneIn64SlotsAndAtLeastEight() {
        assertEquals(8, ExpiryTimer.Answer.maxInFlight(2));
        assertEquals(8, ExpiryTimer.Answer.maxInFlight(512));
        assertEquals(16, ExpiryTimer.Answer.maxInFlight(1024));
        assertEquals(1024, ExpiryTimer.Answer.maxInFlight(65_536));
        assertEquals(1 << 24, ExpiryTimer.Answer.maxInFlight(1 << 30), "a fraction of the largest ring");
        ExpiryTimer.Answer answer = moreDueAtOnce(65_536);
        List<Event> full = forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND);
        assertTrue(answer.trySend(0));
        int inFlight = 1;
        int sequence = 0;
        long cursor = 0;
        for (int trip = 0; trip <= 10; trip++) {
            for (int i = 0; i < inFlight; i++) {
                answer.onOutcome(OutcomeView.of(0, sequence, sequence + 1, full));
                sequence++;
            }
            // a trip through a full ring: the timer runs as the ring takes the slots, a few commands at a time
            inFlight = 0;
            for (int run = 0; run < 65_536 / RING_TRIP; run++) {
                cursor += RING_TRIP;
                inFlight += answer.takeBacklogRoom(cursor);
            }
            assertEquals(1 << trip, inFlight, "trip " + trip + ": the commands in flight double with each full trip");
        }
        answer.onOutcome(OutcomeView.of(0, sequence, sequence + 1, full));
        assertEquals(1024, answer.allowed(), "and stop at the most");
        assertEquals(1, answer.takeBacklogRoom(cursor + RING_TRIP));
    }

    /**
     * A backlog at its most in flight (1,024 time commands in a 65,536-slot ring) had a run publish all the room it
     * had in one claim of consecutive slots: some 26 ms of forgetting back to back on the decision thread, which every
     * purchase behind them waited out (p99 69 ms at 500,000 purchases a second with a one-second window, where the same
     * run that forgot nothing kept it at 21.5 µs). While one is in flight, a run now sends one more for each
     * {@link ExpiryTimer.Answer#RING_SLOTS_PER_COMMAND} slots the ring took since the last went in, so that they sit
     * spread between the purchases; with none in flight one goes at once; and a ring's worth of slots (a trip through
     * a full ring) still allows the most in flight.
     */
    @Test
    void aBacklogsTimeCommandsGoInOnePer64SlotsTheRingTookSinceTheLast() {
        ExpiryTimer.Answer answer = moreDueAtOnce(65_536);
        List<Event> full = forgotten(Limits.MAX_FORGOTTEN_PER_COMMAND);
        long cursor = 0;
        int sequence = 0;
        assertTrue(answer.trySend(cursor));
        answer.onOutcome(OutcomeView.of(0, sequence, sequence + 1, full));
        while (answer.allowed() < 1024) {
            cursor += 65_536; // a trip through a full ring
            int sent = answer.takeBacklogRoom(cursor);
            assertEquals(answer.allowed(), sent, "a ring's worth of slots: all the room allowed");
            for (int i = 0; i < sent; i++) {
                sequence++;
                answer.onOutcome(OutcomeView.of(0, sequence, sequence + 1, full));
            }
        }
        cursor += 65_536;
        assertEquals(1024, answer.takeBacklogRoom(cursor), "a full ring's trip: the most in flight");
        for (int i = 0; i < 1024; i++) {
            sequence++;
            answer.onOutcome(OutcomeView.of(0, sequence, sequence + 1, full));
        }
        assertEquals(1, answer.takeBacklogRoom(cursor), "none in flight: one goes at once, though 1,024 are allowed");
        assertEquals(0, answer.takeBacklogRoom(cursor), "no more while the ring took nothing since");
        assertEquals(0, answer.takeBacklogRoom(cursor + 63));
        assertEquals(1, answer.takeBacklogRoom(cursor + 64), "one more per 64 slots the ring took");
        assertEquals(1, answer.takeBacklogRoom(cursor + 64 + 100));
        assertEquals(1, answer.takeBacklogRoom(cursor + 64 + 128), "what was left of 100 slots counts toward the next");
        assertEquals(1020, answer.takeBacklogRoom(cursor + 10 * 65_536),
                "a timer that ran late: the slots it missed, a ring's worth at most, within the most in flight");
    }

    @Test
    void theWindowDefaultsToADayAndIsAtLeastAMillisecond() {
        assertEquals(Duration.ofHours(24), PurestockEngine.Builder.DEFAULT_RETAIN_ORDERS_FOR);
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().retainOrdersFor(Duration.ZERO));
        assertEquals("retainOrdersFor must be at least one millisecond, the unit of the engine's clock, was PT0S",
                zero.getMessage());
        PurestockEngine.Builder builder = PurestockEngine.builder();
        assertThrows(IllegalArgumentException.class, () -> builder.retainOrdersFor(Duration.ofNanos(999_999)));
        assertThrows(IllegalArgumentException.class, () -> builder.retainOrdersFor(Duration.ofMillis(-1)));
    }

    @Test
    void aWindowBeyondWhatMillisecondsHoldNeverForgets() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get).expireReservationsEvery(Duration.ZERO).keepDueTimes()
                .retainOrdersFor(Duration.ofSeconds(Long.MAX_VALUE)).journal(shard -> journal).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 10)).join();
            engine.submit(new Command.Purchase(1, 1, 1, 0, 1)).join();
            clock.set(Long.MAX_VALUE);
            assertFalse(engine.expireReservations(), "nothing is ever due: the timer sends nothing");
            answeredSoFar(engine);
            assertEquals(new Command.ListProduct(999, 0), journal.entries().get(3).command());
            Outcome tick = engine.submit(new Command.ExpireReservations(Long.MAX_VALUE)).join();
            assertEquals(List.of(), tick.events(), "a time command with the window, at the last time, forgets nothing");
            assertEquals(OrderStatus.PURCHASED, engine.readModel().orderStatus(1));
        }
    }

    /** Waits until the shard has answered everything submitted before: a command's answer comes after them. */
    private static void answeredSoFar(PurestockEngine engine) {
        engine.submit(new Command.ListProduct(999, 0)).join();
    }
}
