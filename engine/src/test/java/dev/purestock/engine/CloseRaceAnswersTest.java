package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Producers on several threads submit through every path at once (a future, a callback, {@code trySubmit}, the fields
 * forms and their try forms, {@code submitAll} across two shards, a command for every shard) into small rings while
 * another thread closes the engine, and go on submitting after it: every submission is answered exactly once (a
 * {@code trySubmit} that did not return {@code SUBMITTED} never), what was acknowledged was journaled, and after a
 * close that drained nothing journaled was refused. Closed three ways: {@code close()}, {@code close(Duration.ZERO)}
 * (which answers what it finds pending on the closing thread), and {@code close()} with a callback executor that
 * refuses every task from the close on, as a pool shut down with the engine would.
 */
class CloseRaceAnswersTest {
    private static final int PRODUCERS = 3;
    private static final int ROUNDS = 25;
    /** The submit paths each producer takes in turn. */
    private static final int PATHS = 7;

    enum Close { DRAIN, TIMED_OUT, REFUSING_EXECUTOR }

    /** One submission: how many answers it must get, how many it got. */
    private static final class Answered implements OutcomeViewCallback {
        final Set<Long> acknowledged;
        final AtomicInteger answers = new AtomicInteger();
        volatile int expected = 1;

        Answered(Set<Long> acknowledged) {
            this.acknowledged = acknowledged;
        }

        @Override
        public void onOutcome(OutcomeView outcome) {
            acknowledge(outcome.events());
        }

        @Override
        public void onFailure(Throwable cause) {
            answers.incrementAndGet();
        }

        void track(CompletableFuture<Outcome> future) {
            future.whenComplete((outcome, failure) -> {
                if (outcome != null) {
                    acknowledge(outcome.events());
                } else {
                    answers.incrementAndGet();
                }
            });
        }

        private void acknowledge(List<Event> events) {
            for (Event event : events) {
                if (event instanceof Event.PurchaseAccepted accepted) {
                    acknowledged.add(accepted.orderId());
                }
            }
            answers.incrementAndGet();
        }
    }

    @ParameterizedTest
    @EnumSource(Close.class)
    void everySubmissionRacingCloseIsAnsweredOnceAndAcknowledgedOnlyIfJournaled(Close close) throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            round(close);
        }
    }

    private static void round(Close close) throws Exception {
        InMemoryJournal[] journals = {new InMemoryJournal(), new InMemoryJournal()};
        AtomicBoolean refusing = new AtomicBoolean();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        PurestockEngine.Builder builder = PurestockEngine.builder().ringSize(16).shards(2).journal(s -> journals[s]);
        if (close == Close.REFUSING_EXECUTOR) {
            builder.callbackExecutor(task -> {
                if (refusing.get()) {
                    throw new RejectedExecutionException("shut down with the engine");
                }
                pool.execute(task);
            });
        }
        PurestockEngine engine = builder.build();
        for (int warehouse = 0; warehouse < 2; warehouse++) {
            engine.submit(new Command.ListProduct(1, 0)).join();
            engine.submit(new Command.ReceiveStock(10 + warehouse, 1, warehouse, 1_000_000)).join();
        }
        Set<Long> acknowledged = ConcurrentHashMap.newKeySet();
        List<List<Answered>> submitted = new ArrayList<>();
        CountDownLatch loaded = new CountDownLatch(100);
        AtomicBoolean closed = new AtomicBoolean();
        Thread[] producers = new Thread[PRODUCERS];
        for (int p = 0; p < PRODUCERS; p++) {
            List<Answered> mine = new ArrayList<>();
            submitted.add(mine);
            long firstOrder = 1_000_000L * (p + 1);
            producers[p] = Thread.ofPlatform().start(() -> {
                long order = firstOrder;
                boolean last = false;
                while (!last) {
                    last = closed.get(); // one more turn of every path once the close has returned
                    for (int path = 0; path < PATHS; path++, order += 2) {
                        submit(engine, path, order, acknowledged, mine);
                    }
                    loaded.countDown();
                }
            });
        }
        loaded.await();
        refusing.set(true);
        if (close == Close.TIMED_OUT) {
            engine.close(Duration.ZERO);
        } else {
            engine.close();
        }
        closed.set(true);
        for (Thread producer : producers) {
            producer.join();
        }
        engine.close();
        pool.shutdown();
        assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));

        for (List<Answered> mine : submitted) {
            for (Answered answered : mine) {
                assertEquals(answered.expected, answered.answers.get(), "answers to one submission");
            }
        }
        Set<Long> journaled = new HashSet<>();
        for (InMemoryJournal journal : journals) {
            for (InMemoryJournal.Entry entry : journal.entries()) {
                entry.events().stream().filter(Event.PurchaseAccepted.class::isInstance)
                        .forEach(e -> journaled.add(((Event.PurchaseAccepted) e).orderId()));
            }
        }
        assertEquals(Set.of(), minus(acknowledged, journaled), "acknowledged, not journaled");
        if (close != Close.TIMED_OUT) {
            // a drain answers everything taken with its outcome: nothing journaled was refused
            assertEquals(Set.of(), minus(journaled, acknowledged), "journaled, not acknowledged");
        }
    }

    /** Submits a purchase of {@code order} (and {@code order + 1}) through submit path {@code path}. */
    private static void submit(PurestockEngine engine, int path, long order, Set<Long> acknowledged,
                               List<Answered> mine) {
        Answered answered = new Answered(acknowledged);
        mine.add(answered);
        int warehouse = (int) (order / 2 % 2);
        switch (path) {
            case 0 -> engine.submit(new Command.Purchase(order, 1, 1, warehouse, 1), answered);
            case 1 -> engine.submitPurchase(order, 1, 1, warehouse, 1, answered);
            case 2 -> answered.expected = engine.trySubmit(new Command.Purchase(order, 1, 1, warehouse, 1), answered)
                    == SubmitResult.SUBMITTED ? 1 : 0;
            case 3 -> answered.expected = engine.trySubmitPurchase(order, 1, 1, warehouse, 1, answered)
                    == SubmitResult.SUBMITTED ? 1 : 0;
            case 4 -> answered.track(engine.submit(new Command.Purchase(order, 1, 1, warehouse, 1)));
            case 5 -> engine.submit(new Command.ListProduct(1, 0), answered);
            default -> {
                List<CompletableFuture<Outcome>> futures = engine.submitAll(List.of(
                        new Command.Purchase(order, 1, 1, warehouse, 1),
                        new Command.Purchase(order + 1, 1, 1, 1 - warehouse, 1)));
                answered.track(futures.get(0));
                Answered second = new Answered(acknowledged);
                mine.add(second);
                second.track(futures.get(1));
            }
        }
    }

    private static Set<Long> minus(Set<Long> from, Set<Long> taken) {
        Set<Long> left = new HashSet<>(from);
        left.removeAll(taken);
        return left;
    }
}
