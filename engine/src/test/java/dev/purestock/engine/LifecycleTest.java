package dev.purestock.engine;

import com.lmax.disruptor.BusySpinWaitStrategy;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Product;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Starting, closing under load, and what a closed engine says. */
class LifecycleTest {
    private static final int PRODUCERS = 4;

    @Test
    void closeUnderLoadAnswersEveryCallerDrainsTheRingAndLeavesNoThreads() throws Exception {
        Set<Thread> before = new HashSet<>(Thread.getAllStackTraces().keySet());
        InMemoryJournal journal = new InMemoryJournal();
        CountDownLatch loaded = new CountDownLatch(5_000);
        PurestockEngine engine = PurestockEngine.builder().ringSize(256).journal(s -> journal)
                .consumer((command, outcome) -> loaded.countDown()).build();
        engine.submit(list(1)).join();
        engine.submit(receive(1, 1, 0, 1_000_000)).join();

        List<List<CompletableFuture<Outcome>>> submitted = new ArrayList<>();
        Thread[] producers = new Thread[PRODUCERS];
        for (int p = 0; p < PRODUCERS; p++) {
            List<CompletableFuture<Outcome>> mine = new ArrayList<>();
            submitted.add(mine);
            long firstOrder = p * 1_000_000L;
            producers[p] = Thread.ofPlatform().start(() -> {
                for (long order = firstOrder; ; order++) {
                    CompletableFuture<Outcome> future = engine.submit(purchase(order, 1, 0));
                    mine.add(future);
                    if (future.isCompletedExceptionally()) {
                        return;
                    }
                }
            });
        }
        loaded.await();
        engine.close();
        for (Thread producer : producers) {
            producer.join();
        }

        long acknowledged = 0;
        for (List<CompletableFuture<Outcome>> mine : submitted) {
            for (int i = 0; i < mine.size(); i++) {
                CompletableFuture<Outcome> future = mine.get(i);
                assertTrue(future.isDone(), "every submission is answered by the time close returns");
                if (i < mine.size() - 1) {
                    assertTrue(future.join().accepted());
                    acknowledged++;
                } else {
                    assertInstanceOf(EngineClosedException.class, failureOf(future));
                }
            }
        }
        assertEquals(acknowledged + 2, journal.size(), "everything acknowledged was journaled, nothing more");
        for (int s = 0; s < journal.size(); s++) {
            assertEquals(s, journal.entries().get(s).sequence());
        }
        assertTrue(journal.closed(), "close closes the journal");

        Set<Thread> leftBehind = new HashSet<>(Thread.getAllStackTraces().keySet());
        leftBehind.removeAll(before);
        assertEquals(Set.of(), leftBehind, "threads started by the engine and still alive");
    }

    @Test
    void closeIsIdempotentAndEverySubmissionAfterItFailsClearly() {
        PurestockEngine engine = PurestockEngine.builder().build();
        assertTrue(engine.submit(list(1)).join().accepted());
        engine.close();
        engine.close();

        Throwable failure = failureOf(engine.submit(list(2)));
        assertInstanceOf(EngineClosedException.class, failure);
        assertTrue(failure.getMessage().contains("closed"), failure.getMessage());
        EngineFixtures.FutureCallback callback = new EngineFixtures.FutureCallback();
        engine.submit(list(3), callback);
        assertInstanceOf(EngineClosedException.class, failureOf(callback.future));
        EngineFixtures.FutureCallback notCalled = new EngineFixtures.FutureCallback();
        assertEquals(SubmitResult.CLOSED, engine.trySubmit(list(4), notCalled));
        assertTrue(!notCalled.future.isDone());
        List<CompletableFuture<Outcome>> batch = engine.submitAll(List.of(list(5), list(6)));
        batch.forEach(f -> assertInstanceOf(EngineClosedException.class, failureOf(f)));
        assertInstanceOf(EngineClosedException.class, failureOf(engine.digest(0)));
    }

    @Test
    void closingFromSeveralThreadsAtOnceClosesOnce() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        PurestockEngine engine = PurestockEngine.builder().journal(s -> journal).build();
        engine.submit(list(1)).join();
        AtomicReference<Throwable> problem = new AtomicReference<>();
        Thread[] closers = new Thread[3];
        for (int i = 0; i < closers.length; i++) {
            closers[i] = Thread.ofPlatform().start(() -> {
                try {
                    engine.close();
                } catch (Throwable t) {
                    problem.set(t);
                }
            });
        }
        for (Thread closer : closers) {
            closer.join();
        }
        assertEquals(null, problem.get());
        assertTrue(journal.closed());
    }

    /**
     * {@code validate()} refuses what {@code build()} refuses together, for code that must refuse a start before it
     * touches its storage; periodic snapshots without a snapshot writer passed it and failed only as the engine was
     * built.
     */
    @Test
    void validateRefusesPeriodicSnapshotsWithoutASnapshotWriter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().snapshotEvery(10).validate());
        assertEquals("snapshotEvery(10) needs a snapshot writer: set Builder.snapshotWriter, or leave snapshotEvery at "
                + "0 (no periodic snapshots)", e.getMessage());
        PurestockEngine.builder().snapshotEvery(10).snapshotWriter(shard -> (lastSequence, time, store) -> { })
                .validate();
    }

    @Test
    void theBuilderRefusesSettingsThatCannotWork() {
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().ringSize(1000));
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().shards(0));
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().snapshotEvery(-1));
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().snapshotEvery(10).build());
        IllegalArgumentException backlog = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().snapshotBacklogLimit(0));
        assertEquals("snapshotBacklogLimit must be >= 1 (commands kept aside during a snapshot's write), was 0",
                backlog.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().snapshotBacklogLimit(-1));
        PurestockEngine.builder().snapshotBacklogLimit(1).build().close();
        PrimitiveInventoryStore misplaced = new PrimitiveInventoryStore();
        misplaced.putAvailable(1, 1, 5);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder()
                .shards(2).initialState(s -> new ShardState(misplaced, 0, 0)).build());
        assertTrue(e.getMessage().contains("warehouse 1, which belongs to shard 1"), e.getMessage());
    }

    /**
     * A ring or a store capacity far beyond the heap was allocated slot by slot and chunk by chunk until an
     * {@link OutOfMemoryError} ended the start (a ring of 2^26 slots took 13 s to fail in a 1 GiB heap), leaving the
     * heap full for every other thread meanwhile. Such settings are refused before anything is allocated, naming
     * them and the heap; the same settings within the heap still build.
     */
    @Test
    void settingsThatCannotFitTheHeapAreRefusedBeforeTheEngineAllocates() {
        long heap = Runtime.getRuntime().maxMemory();
        assumeTrue(heap < (1L << 30) * CommandSlot.HEAP_BYTES_AT_LEAST, "a heap larger than a ring of 2^30 slots");
        IllegalArgumentException ring = assertThrows(IllegalArgumentException.class,
                () -> PurestockEngine.builder().ringSize(1 << 30).build());
        assertTrue(ring.getMessage().startsWith("ringSize(1073741824) and " + StoreCapacity.DEFAULT + " for each of 1 "
                + "shard(s) take at least "), ring.getMessage());
        assertTrue(ring.getMessage().endsWith("more than this JVM's maximum heap of " + heap / (1024 * 1024)
                + " MiB (-Xmx): lower them, or give the JVM more heap"), ring.getMessage());
        StoreCapacity orders = new StoreCapacity(1, Integer.MAX_VALUE, 1);
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().storeCapacity(orders).validate());
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().storeCapacity(orders)
                .initialState(s -> ShardState.empty()).build(), "the read model's table is sized by the capacity too");
        StoreCapacity positions = new StoreCapacity(Integer.MAX_VALUE, 1, 1);
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().storeCapacity(positions).build());
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().storeCapacity(positions)
                .initialState(s -> ShardState.empty()).build(), "the read model's positions are sized by it too");
        StoreCapacity customerCounts = new StoreCapacity(1, 1, Integer.MAX_VALUE);
        assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder().storeCapacity(customerCounts)
                .build());
        PurestockEngine.builder().storeCapacity(customerCounts).initialState(s -> ShardState.empty())
                .expireReservationsEvery(Duration.ZERO).build().close(); // the capacity sizes no store then
    }

    /**
     * Each shard's decision thread is the only writer of its store, which is not thread-safe. A factory that hands
     * every shard one store ({@code s -> state}) let two decision threads write it at once, a race that loses or
     * corrupts entries; an empty store, or one of products alone, passed the check of positions. It is refused, and
     * the journal opened for the shard before is closed.
     */
    @Test
    void shardsGivenOneStoreAreRefused() {
        PrimitiveInventoryStore shared = new PrimitiveInventoryStore();
        shared.putProduct(new Product(7, 0));
        InMemoryJournal first = new InMemoryJournal();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder()
                .shards(3).expireReservationsEvery(Duration.ZERO).journal(s -> s == 0 ? first : new InMemoryJournal())
                .initialState(s -> new ShardState(shared, 0, 0)).build());
        assertEquals("the initial state of shard 1 has the store of shard 0: each shard's decision thread writes its "
                + "store alone, so every shard needs a store of its own", e.getMessage());
        assertTrue(first.closed());
    }

    /**
     * A refused build closes what the factories opened for the shards before; a stage whose close threw an
     * {@link Error} (an {@link InternalError} as it flushes a mapped file whose disk failed) ended that loop, caught
     * for exceptions only, so the stages after it were left open (a journal keeping its directory locked, so a second
     * build on it was refused) and the Error took the place of why the build was refused. Every stage is closed, and
     * the refusal carries the Error.
     */
    @Test
    void aStageWhoseCloseThrowsAnErrorAsARefusedBuildClosesItLeavesNoOtherOpen() {
        PrimitiveInventoryStore shared = new PrimitiveInventoryStore();
        InternalError closing = new InternalError("a fault occurred in an unsafe memory access operation");
        DurabilityStage failsToClose = new DurabilityStage() {
            @Override
            public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
            }

            @Override
            public void close() {
                throw closing;
            }
        };
        InMemoryJournal replica = new InMemoryJournal();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PurestockEngine.builder()
                .shards(2).expireReservationsEvery(Duration.ZERO).journal(s -> s == 0 ? failsToClose : new InMemoryJournal())
                .replication(s -> s == 0 ? replica : new InMemoryJournal())
                .initialState(s -> new ShardState(shared, 0, 0)).build());
        assertTrue(e.getMessage().startsWith("the initial state of shard 1 has the store of shard 0"), e.getMessage());
        assertEquals(List.of(closing), List.of(e.getSuppressed()));
        assertTrue(replica.closed(), "the stage after the one that threw was closed");
    }

    @Test
    void blockingAndYieldingWaitStrategiesRunTheSamePipeline() {
        assertInstanceOf(BusySpinWaitStrategy.class, WaitStrategyKind.BUSY_SPIN.create(ProducerMode.MULTI),
                "busy-spin is never started in tests: it would burn the shared cores");
        for (WaitStrategyKind kind : List.of(WaitStrategyKind.BLOCKING, WaitStrategyKind.YIELDING)) {
            // every stage wired: the blocking kind's wiring checks that each stage waits on sequences it is signalled
            // for (see DependentStageBarrier), behind the decision stage and behind the stages in parallel
            DurabilityStage accepting = (sequence, time, command, events, endOfBatch) -> { };
            try (PurestockEngine engine = PurestockEngine.builder().waitStrategy(kind).journal(shard -> accepting)
                    .replication(shard -> accepting).snapshotWriter(shard -> (last, time, store) -> { }).build()) {
                engine.submit(list(1));
                engine.submit(receive(1, 1, 0, 1));
                Outcome outcome = engine.submit(new Command.Purchase(1, 1, 1, 0, 1)).join();
                assertTrue(outcome.accepted(), kind.name());
                assertEquals(2, outcome.sequence(), kind.name());
            }
        }
    }
}
