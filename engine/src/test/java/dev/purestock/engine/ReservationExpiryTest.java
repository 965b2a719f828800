package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine expires reservations on a timer: it sequences {@code ExpireReservations} like any command, so
 * an expired reservation's units come back without anyone submitting one; time comes from the engine's
 * clock. (The timeout only guards against a hang; the test waits on the outcome a consumer sees.)
 */
class ReservationExpiryTest {
    private static final long START = 1_000;
    private static final long EXPIRES_AT = 2_000;
    private static final long RETAIN = 500;

    private final AtomicLong clock = new AtomicLong(START);

    @Test
    void theTimerExpiresAReservationOnceTheClockPassesItsExpiry() {
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            InMemoryJournal journal = new InMemoryJournal();
            CountDownLatch expired = new CountDownLatch(1);
            try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                    .expireReservationsEvery(Duration.ofMillis(5)).journal(shard -> journal)
                    .consumer((command, outcome) -> {
                        if (command instanceof Command.ExpireReservations
                                && outcome.events().stream().anyMatch(Event.ReservationExpired.class::isInstance)) {
                            expired.countDown();
                        }
                    }).build()) {
                engine.submit(list(1)).join();
                engine.submit(receive(1, 1, 0, 10)).join();
                assertTrue(engine.submit(reserve(5, 0, 4)).join().accepted());
                assertEquals(6, engine.readModel().available(1, 0));

                clock.set(EXPIRES_AT);
                expired.await();

                assertEquals(10, engine.readModel().available(1, 0), "the units came back");
                assertEquals(OrderStatus.EXPIRED, engine.readModel().orderStatus(5));
                List<InMemoryJournal.Entry> expiries = journal.entries().stream()
                        .filter(e -> !e.events().isEmpty() && e.command() instanceof Command.ExpireReservations)
                        .toList();
                assertEquals(1, expiries.size(), "journaled like any command");
                assertEquals(EXPIRES_AT, expiries.get(0).time());
                assertEquals(5, assertInstanceOf(Event.ReservationExpired.class, expiries.get(0).events().get(0))
                        .orderId());
            }
        });
    }

    /**
     * A shard gets a tick only when something there is due: a reservation expiring, or an order whose retention
     * window has ended. One holding only orders within their window used to get a tick from every regular run, each
     * journaled with nothing in it.
     */
    @Test
    void aTickGoesOnlyToShardsWithSomethingDueOrAnOrderPastItsWindow() {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).keepDueTimes().retainOrdersFor(Duration.ofMillis(RETAIN))
                .journal(shard -> journals[shard]).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 1, 10)).join();
            assertEquals(List.of(1, 2), tick(engine, journals), "no live reservation, no order: nothing journaled");

            assertTrue(engine.submit(reserve(5, 1, 3)).join().accepted());
            assertEquals(List.of(1, 3), tick(engine, journals), "shard 1's reservation is not due yet: no tick");

            clock.set(EXPIRES_AT);
            assertEquals(List.of(1, 4), tick(engine, journals), "it is due now: shard 1 alone gets a tick");
            assertEquals(new Command.ExpireReservations(RETAIN), journals[1].entries().get(3).command(),
                    "the tick carries the retention window");
            assertInstanceOf(Event.ReservationExpired.class, journals[1].entries().get(3).events().get(0));
            assertEquals(10, engine.readModel().available(1, 1));
            assertEquals(List.of(1, 4), tick(engine, journals), "the expired reservation is remembered, not due: no tick");
            clock.set(EXPIRES_AT + RETAIN);
            assertEquals(List.of(1, 4), tick(engine, journals), "its window ends a millisecond later: no tick yet");

            clock.set(EXPIRES_AT + RETAIN + 1);
            assertEquals(List.of(1, 5), tick(engine, journals));
            assertEquals(List.of(new Event.OrderForgotten(5)), journals[1].entries().get(4).events());
            assertEquals(List.of(1, 5), tick(engine, journals), "nothing due, nothing remembered: nothing journaled");
        }
    }

    @Test
    void aRecoveredLiveReservationIsExpiredToo() {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        for (Command command : List.of(list(1), receive(1, 1, 0, 10), reserve(5, 0, 4))) {
            Inventory.evolveAll(store, START, Inventory.decide(command, START, store));
        }
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(Duration.ZERO).keepDueTimes().journal(shard -> journal)
                .initialState(shard -> new ShardState(store, 3, START)).build()) {
            clock.set(EXPIRES_AT);
            engine.expireReservations();
            engine.digest(0).join();
            assertEquals(1, journal.size());
            assertEquals(3, journal.entries().get(0).sequence());
            assertInstanceOf(Event.ReservationExpired.class, journal.entries().get(0).events().get(0));
            assertEquals(10, engine.readModel().available(1, 0));
        }
    }

    /**
     * The period is zero (off) or a millisecond at least, the clock's unit: a period of a nanosecond was taken, and
     * journaled a time command for each shard holding an order about 1,700 times a second.
     */
    @Test
    void theExpiryPeriodDefaultsToASecondAndRefusesANegativeOneOrOneShorterThanTheClocksMillisecond() {
        assertEquals(Duration.ofSeconds(1), PurestockEngine.Builder.DEFAULT_EXPIRE_RESERVATIONS_EVERY);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().expireReservationsEvery(Duration.ofMillis(-1)));
        assertEquals("expireReservationsEvery must be zero (off) or at least 1 ms, the engine clock's unit, was "
                + "PT-0.001S", refused.getMessage());
        refused = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().expireReservationsEvery(Duration.ofNanos(1)));
        assertEquals("expireReservationsEvery must be zero (off) or at least 1 ms, the engine clock's unit, was "
                + "PT0.000000001S", refused.getMessage());
        PurestockEngine.builder().expireReservationsEvery(Duration.ofMillis(1)).expireReservationsEvery(Duration.ZERO);
    }

    /** Runs one tick of the timer and waits until every shard has answered it; the journals' sizes after. */
    private static List<Integer> tick(PurestockEngine engine, InMemoryJournal[] journals) {
        engine.expireReservations();
        for (int shard = 0; shard < journals.length; shard++) {
            engine.digest(shard).join();
        }
        return List.of(journals[0].size(), journals[1].size());
    }

    private static Command reserve(long orderId, int warehouse, long quantity) {
        return new Command.Reserve(orderId, 1, List.of(new Line(1, warehouse, quantity)), EXPIRES_AT);
    }

    @Test
    void aSingleProducerRingRefusesTheTimerThatWouldPublishBesideIt() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().producerMode(ProducerMode.SINGLE).build());
        assertTrue(refused.getMessage().contains("expireReservationsEvery(Duration.ZERO)"), refused.getMessage());
        try (PurestockEngine engine = PurestockEngine.builder().producerMode(ProducerMode.SINGLE)
                .expireReservationsEvery(Duration.ZERO).build()) {
            assertEquals(0, engine.submit(list(1)).join().sequence());
        }
    }
}
