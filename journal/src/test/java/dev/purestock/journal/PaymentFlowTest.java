package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.Reaction;
import dev.purestock.engine.Retry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worked example of docs/reactions.md, end to end on a journal: customers reserve stock concurrently (some
 * answers are lost on the way back, and the reservation is retried with the same order id); a reaction charges a
 * fake payment service that declines some payments and times out on others (retried, idempotent by order id at the
 * payment service), then confirms or releases the reservation; what stays unknown expires. Whatever fails, no unit
 * is lost or sold twice, every reservation ends confirmed, released or expired, and a restart recovers the same
 * state without any reaction firing again.
 */
class PaymentFlowTest {
    private static final long SEED = 20_261_129L;
    private static final int SKUS = 4;
    private static final long RECEIVED = 60;
    private static final int CUSTOMERS = 8;
    private static final int ORDERS_PER_CUSTOMER = 50;
    private static final long START = 1_000_000;
    private static final long HOLD_FOR = 60_000;
    private static final Duration IDLE = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(START);
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService paymentThreads = Executors.newFixedThreadPool(2);
    private final FakePayments payments = new FakePayments();
    /** Follow-ups (confirm, release) sequenced per order id, counted by a consumer across both runs. */
    private final Map<Long, Integer> followUps = new ConcurrentHashMap<>();

    @AfterEach
    void stopThreads() {
        retries.shutdownNow();
        paymentThreads.shutdownNow();
    }

    /** A payment service: deterministic per order and attempt, and idempotent by order id, as real ones are. */
    final class FakePayments {
        final Map<Long, Integer> charges = new ConcurrentHashMap<>();
        final Map<Long, Integer> attempts = new ConcurrentHashMap<>();
        final AtomicLong calls = new AtomicLong();

        CompletableFuture<Boolean> charge(long orderId) {
            calls.incrementAndGet();
            int attempt = attempts.merge(orderId, 1, Integer::sum);
            return CompletableFuture.supplyAsync(() -> {
                if (charges.containsKey(orderId)) {
                    return true; // charged by an attempt whose answer was lost: not charged again
                }
                double draw = new SplittableRandom(SEED ^ (orderId * 31 + attempt)).nextDouble();
                if (draw < 0.40) {
                    charges.merge(orderId, 1, Integer::sum);
                    return true;
                }
                if (draw < 0.60) {
                    return false; // declined
                }
                if (draw < 0.75) {
                    charges.merge(orderId, 1, Integer::sum);
                }
                throw new CompletionException(new TimeoutException("payment " + orderId
                        + " attempt " + attempt + " timed out"));
            }, paymentThreads);
        }
    }

    /** Paid: confirm; declined: release; unknown after the retries: nothing, the reservation expires. */
    private Reaction payForReservation(Retry retry) {
        return (command, outcome) -> {
            if (!(command instanceof Command.Reserve reserve)
                    || outcome.events().stream().noneMatch(Event.StockReserved.class::isInstance)) {
                return Reaction.none(); // a repeat (AlreadyApplied) or a rejection starts no payment
            }
            long orderId = reserve.orderId();
            return retry.call(() -> payments.charge(orderId), paid -> false, TimeoutException.class::isInstance)
                    .handle((paid, failure) -> failure != null ? List.<Command>of()
                            : List.of(paid ? new Command.ConfirmReservation(orderId)
                            : new Command.ReleaseReservation(orderId)));
        };
    }

    private JournaledEngine start(Retry retry) {
        return JournaledEngine.builder(dir).engine(engine -> engine
                .clock(clock::get)
                .expireReservationsEvery(Duration.ZERO)
                .ringSize(64)
                .consumer((command, outcome) -> {
                    if (command instanceof Command.ConfirmReservation c) {
                        followUps.merge(c.orderId(), 1, Integer::sum);
                    } else if (command instanceof Command.ReleaseReservation r) {
                        followUps.merge(r.orderId(), 1, Integer::sum);
                    }
                })
                .reaction(payForReservation(retry))).start();
    }

    private static long orderId(int customer, int i) {
        return customer * 1_000L + i;
    }

    private static long skuOf(long orderId) {
        return 1 + orderId % SKUS;
    }

    private static long quantityOf(long orderId) {
        return 1 + orderId % 3;
    }

    @Test
    void noUnitIsLostOrOversoldWhateverFailsAndARestartFiresNothingTwice() throws Exception {
        Retry retry = Retry.withBackoff(3, Duration.ZERO, Duration.ZERO, 0, retries, new SplittableRandom(SEED));
        Retry payment = Retry.withBackoff(2, Duration.ZERO, Duration.ZERO, 0, retries, new SplittableRandom(SEED));
        Map<Long, OrderStatus> live = new HashMap<>();
        long liveDigest;
        long paymentCalls;
        Map<Long, Integer> followUpsBefore;
        try (JournaledEngine journaled = start(payment)) {
            PurestockEngine engine = journaled.engine();
            for (long sku = 1; sku <= SKUS; sku++) {
                engine.submit(new Command.ListProduct(sku, 0)).join();
                engine.submit(new Command.ReceiveStock(sku, sku, 0, RECEIVED)).join();
            }
            Map<Long, Boolean> reserved = new ConcurrentHashMap<>();
            List<Thread> customers = new ArrayList<>();
            for (int c = 0; c < CUSTOMERS; c++) {
                int customer = c;
                customers.add(Thread.ofPlatform().name("customer-" + c).start(() -> {
                    for (int i = 0; i < ORDERS_PER_CUSTOMER; i++) {
                        long orderId = orderId(customer, i);
                        if (reserveLosingSomeAnswers(engine, retry, customer, orderId).accepted()) {
                            reserved.put(orderId, true);
                        }
                    }
                }));
            }
            for (Thread customer : customers) {
                customer.join();
            }
            assertTrue(engine.reactions().awaitIdle(IDLE), "every payment answered, every follow-up in");
            clock.addAndGet(HOLD_FOR);
            engine.submit(new Command.ExpireReservations()).join();
            assertTrue(engine.reactions().awaitIdle(IDLE));

            long[] sold = new long[SKUS + 1];
            int[] ended = new int[OrderStatus.values().length];
            for (long orderId : reserved.keySet()) {
                OrderStatus status = engine.readModel().orderStatus(orderId);
                live.put(orderId, status);
                ended[status.ordinal()]++;
                switch (status) {
                    case CONFIRMED -> {
                        sold[(int) skuOf(orderId)] += quantityOf(orderId);
                        assertEquals(1, payments.charges.get(orderId), "confirmed order " + orderId + " paid once");
                        assertEquals(1, followUps.get(orderId), "one confirm for order " + orderId);
                    }
                    case RELEASED -> {
                        assertEquals(null, payments.charges.get(orderId), "released order " + orderId + " unpaid");
                        assertEquals(1, followUps.get(orderId), "one release for order " + orderId);
                    }
                    case EXPIRED -> assertEquals(null, followUps.get(orderId), "order " + orderId
                            + ": its payment stayed unknown, no follow-up");
                    default -> throw new AssertionError("order " + orderId + " ended " + status);
                }
            }
            for (long sku = 1; sku <= SKUS; sku++) {
                long available = engine.readModel().available(sku, 0);
                assertTrue(available >= 0, "sku " + sku);
                assertEquals(RECEIVED, sold[(int) sku] + available, "sku " + sku + ": sold + available");
            }
            assertTrue(ended[OrderStatus.CONFIRMED.ordinal()] > 0 && ended[OrderStatus.RELEASED.ordinal()] > 0
                    && ended[OrderStatus.EXPIRED.ordinal()] > 0, "every ending happened: confirmed "
                    + ended[OrderStatus.CONFIRMED.ordinal()] + ", released " + ended[OrderStatus.RELEASED.ordinal()]
                    + ", expired " + ended[OrderStatus.EXPIRED.ordinal()]);
            assertTrue(payments.charges.values().stream().allMatch(n -> n == 1), "nobody was charged twice");
            assertEquals(followUps.size(), followUps.values().stream().mapToInt(Integer::intValue).sum(),
                    "no follow-up was submitted twice");
            assertEquals(0, engine.reactions().failures() + engine.reactions().dropped()
                    + engine.reactions().followUpsFailed());
            liveDigest = engine.digest(0).join();
            paymentCalls = payments.calls.get();
            followUpsBefore = Map.copyOf(followUps);
        }

        try (JournaledEngine restarted = start(payment)) {
            PurestockEngine engine = restarted.engine();
            assertTrue(engine.reactions().awaitIdle(IDLE));
            assertEquals(liveDigest, StateDigest.of(restarted.recovered().store()), "recovered equals live");
            assertEquals(liveDigest, engine.digest(0).join());
            for (Map.Entry<Long, OrderStatus> order : live.entrySet()) {
                assertEquals(order.getValue(), engine.readModel().orderStatus(order.getKey()));
            }
            assertEquals(0, engine.reactions().reacted(), "replay runs no reaction");
            assertEquals(paymentCalls, payments.calls.get(), "no payment was asked for again");
            assertEquals(followUpsBefore, followUps, "no follow-up was submitted again");
        }
    }

    /**
     * Reserves through the retry policy; for about one order in five the first answer is lost after the engine took
     * it, so the retry carries the same order id and is answered {@code AlreadyApplied} when it was applied.
     */
    private Outcome reserveLosingSomeAnswers(PurestockEngine engine, Retry retry, int customer, long orderId) {
        Command reserve = new Command.Reserve(orderId, customer, List.of(new Line(skuOf(orderId), 0,
                quantityOf(orderId))), START + HOLD_FOR);
        boolean loseFirst = new SplittableRandom(SEED + orderId).nextInt(5) == 0;
        AtomicLong attempts = new AtomicLong();
        return retry.submit(() -> {
            CompletableFuture<Outcome> answer = engine.submit(reserve);
            return loseFirst && attempts.incrementAndGet() == 1
                    ? answer.thenCompose(lost -> CompletableFuture.failedFuture(new TimeoutException("lost")))
                    : answer;
        }, outcome -> false, TimeoutException.class::isInstance).join();
    }

    @Test
    void aFollowUpLostToAStopIsDerivedAgainFromTheRecoveredState() throws Exception {
        CompletableFuture<List<Command>> neverPaid = new CompletableFuture<>();
        try (JournaledEngine journaled = JournaledEngine.builder(dir).engine(engine -> engine
                .clock(clock::get).expireReservationsEvery(Duration.ZERO)
                .reaction((command, outcome) -> command instanceof Command.Reserve ? neverPaid : Reaction.none()))
                .start()) {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(1, 1, 0, 10)).join();
            assertTrue(engine.submit(new Command.Reserve(5, 1, List.of(new Line(1, 0, 4)), START + HOLD_FOR))
                    .join().accepted());
        } // stops while the payment is outstanding: its follow-up was never submitted

        try (JournaledEngine restarted = JournaledEngine.builder(dir).engine(engine -> engine
                .clock(clock::get).expireReservationsEvery(Duration.ZERO)
                .consumer((command, outcome) -> {
                    if (command instanceof Command.ReleaseReservation r) {
                        followUps.merge(r.orderId(), 1, Integer::sum);
                    }
                })).start()) {
            List<Long> pending = new ArrayList<>();
            restarted.recovered().store().forEachOrder(order -> {
                if (order.status() == OrderStatus.RESERVED) {
                    pending.add(order.orderId()); // the payment's outcome is unknown: ask again (here: declined)
                }
            });
            assertEquals(List.of(5L), pending);
            for (long orderId : pending) {
                assertTrue(restarted.engine().submit(new Command.ReleaseReservation(orderId)).join().accepted());
            }
            assertEquals(10, restarted.engine().readModel().available(1, 0));
        }
        // read once closed: consumers run on the completion stage after the caller's future completes, and close
        // drains every stage, so only then has the consumer seen the release
        assertEquals(Map.of(5L, 1), followUps);
    }
}
