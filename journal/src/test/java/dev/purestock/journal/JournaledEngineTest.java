package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.HeapEstimate;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.StageRole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Restart equivalence through the real engine: the digest before close equals the digest after recovery. */
class JournaledEngineTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path dir;

    private final AtomicLong clock = new AtomicLong(NOW);

    @Test
    void aRestartWithoutSnapshotsRecoversTheLiveDigestAndContinuesTheSequence() {
        long live = runAndClose(0, Workloads.setup(10, 20, 0), Workloads.mixed(1_500, 10, 11, 1, NOW));

        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(live, StateDigest.of(recovered.store()));
        assertEquals(1_520, recovered.nextSequence());
        assertEquals("empty", recovered.recoveredFrom());

        try (JournaledEngine again = start(0)) {
            assertEquals(1_520, again.recovered().nextSequence());
            Outcome outcome = again.engine().submit(new Command.ExpireReservations()).join();
            assertEquals(1_520, outcome.sequence());
        }
    }

    @Test
    void aRestartFromSnapshotsEqualsTheLiveStateAndAFullReplay() {
        long live = runAndClose(200, Workloads.setup(10, 20, 0), Workloads.mixed(1_500, 10, 12, 1, NOW));

        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(live, StateDigest.of(recovered.store()));
        assertEquals("snapshot@1399", recovered.recoveredFrom(), "every 200 commands: the seventh covers 0..1399");
        assertEquals(120, recovered.replayedRecords());
        RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(live, StateDigest.of(full.store()));
        assertEquals(1_520, full.replayedRecords());
    }

    @Test
    void withoutSnapshotsOnDemandThereIsNoSnapshotStageAndAskingForOneFailsClearly() {
        try (JournaledEngine journaled = JournaledEngine.builder(dir).snapshotsOnDemand(false)
                .engine(builder -> builder.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO))
                .start()) {
            PurestockEngine engine = journaled.engine();
            submit(engine, Workloads.setup(3, 5, 0));
            assertEquals(0, snapshotStageThreads(), "no snapshot stage threads");
            Throwable refused = assertThrows(Exception.class, () -> engine.snapshot(0).join()).getCause();
            assertInstanceOf(IllegalStateException.class, refused);
            assertTrue(refused.getMessage().contains("no snapshot writer"), refused.getMessage());
        }
        assertEquals(List.of(), new SnapshotStore(dir).list());
        try (JournaledEngine again = JournaledEngine.builder(dir).snapshotEvery(2).snapshotsOnDemand(false)
                .engine(builder -> builder.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO))
                .start()) {
            assertEquals(6, again.recovered().nextSequence());
            assertEquals(2, snapshotStageThreads(), "periodic snapshots need the stage");
            submit(again.engine(), List.of(new Command.ExpireReservations(), new Command.ExpireReservations()));
            assertEquals(7L, again.engine().snapshot(0).join(), "periodic snapshots keep the stage, and so on demand");
        }
        // periodic snapshots set through the engine's own settings count the same
        try (JournaledEngine tuned = JournaledEngine.builder(dir).snapshotsOnDemand(false)
                .engine(builder -> builder.snapshotEvery(2).clock(clock::incrementAndGet)
                        .expireReservationsEvery(Duration.ZERO))
                .start()) {
            assertEquals(2, snapshotStageThreads());
            assertEquals(7L, tuned.engine().snapshot(0).join(), "the last sequence, recovered");
        }
    }

    /**
     * Without snapshots on demand and without periodic ones no shard has a snapshot stage, so a backlog limit can never
     * be used: one set above what the heap fits refused the start all the same, since the journaled engine always set
     * a snapshot writer. Wherever there is a stage (on demand, the default; periodic snapshots set on either builder)
     * it is still refused before the directory is touched.
     */
    @Test
    void aBacklogLimitTooLargeForTheHeapIsRefusedOnlyWhereThereIsASnapshotStage() {
        int tooLarge = Integer.MAX_VALUE;
        assertTrue(HeapEstimate.backlogLimitFitting(1, Runtime.getRuntime().maxMemory()) < tooLarge,
                "this JVM's heap fits every limit");
        Consumer<PurestockEngine.Builder> tuning = builder -> builder.snapshotBacklogLimit(tooLarge)
                .clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO);
        try (JournaledEngine off = JournaledEngine.builder(dir).snapshotsOnDemand(false).engine(tuning).start()) {
            assertEquals(0, snapshotStageThreads());
            submit(off.engine(), Workloads.setup(3, 5, 0));
        }
        List<JournaledEngine.Builder> staged = List.of(JournaledEngine.builder(dir).engine(tuning),
                JournaledEngine.builder(dir).snapshotsOnDemand(false).snapshotEvery(2).engine(tuning),
                JournaledEngine.builder(dir).snapshotsOnDemand(false).engine(tuning.andThen(b -> b.snapshotEvery(2))));
        for (JournaledEngine.Builder builder : staged) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, builder::start);
            assertTrue(refused.getMessage().startsWith("snapshotBacklogLimit(" + tooLarge + ") lets the snapshot stage"),
                    refused.getMessage());
        }
        assertEquals(6, JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE).nextSequence());
    }

    @Test
    void aSnapshotOnDemandIsCutThroughTheRingAtTheLastSequence() {
        try (JournaledEngine journaled = start(0)) {
            PurestockEngine engine = journaled.engine();
            submit(engine, Workloads.setup(3, 5, 0));
            assertEquals(5L, engine.snapshot(0).join());
        }
        assertEquals(List.of(5L), new SnapshotStore(dir).list().stream().map(SnapshotInfo::lastSequence).toList());
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("snapshot@5", recovered.recoveredFrom());
        assertEquals(0, recovered.replayedRecords());
        assertEquals(6, recovered.nextSequence());
    }

    @Test
    void aSnapshotAheadOfTheJournalIsSetAsideBeforeNewCommandsTakeItsSequences() throws Exception {
        try (ShardHarness crashed = new ShardHarness(dir, Durability.PAGE_CACHE)) {
            crashed.submit(new Command.ListProduct(1, 0));
            crashed.submit(new Command.ReceiveStock(1, 1, 1, 10));
            for (long orderId : new long[]{100, 101}) {
                Inventory.evolveAll(crashed.store, crashed.time, Inventory.decide(
                        new Command.Purchase(orderId, 9, 1, 1, 1), crashed.time, crashed.store));
            }
            crashed.snapshots.write(3, crashed.time, crashed.store);
        }

        try (JournaledEngine second = start(0)) {
            assertEquals(2, second.recovered().nextSequence());
            assertEquals("empty", second.recovered().recoveredFrom());
            assertTrue(second.recovered().notes().get(0).startsWith("moved snapshot-00000000000000000003.bin to "
                    + dir.resolve("snapshots").resolve("ahead-")), second.recovered().notes().toString());
            assertTrue(second.recovered().notes().get(0).contains(": the snapshot is ahead of the journal (last "
                    + "sequence 1)"), second.recovered().notes().toString());
            for (long orderId = 1; orderId <= 3; orderId++) {
                Outcome outcome = second.engine().submit(new Command.Purchase(orderId, orderId, 1, 1, 2)).join();
                assertInstanceOf(Event.PurchaseAccepted.class, outcome.events().get(0));
            }
        }
        assertEquals(List.of(), new SnapshotStore(dir).list());

        try (JournaledEngine third = start(0)) {
            InventoryStore recovered = third.recovered().store();
            RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new,
                    ReplayProgress.NONE);
            assertEquals(StateDigest.of(full.store()), StateDigest.of(recovered));
            for (long orderId = 1; orderId <= 3; orderId++) {
                assertNotNull(recovered.order(orderId), "acknowledged order " + orderId);
            }
            assertNull(recovered.order(100), "never journaled");
            assertNull(recovered.order(101), "never journaled");
            assertEquals(4, recovered.available(1, 1));
        }
    }

    @Test
    void aSecondEngineOnTheSameDirectoryIsRefusedUntilTheFirstCloses() {
        try (JournaledEngine first = start(0)) {
            first.engine().submit(new Command.ListProduct(1, 0)).join();
            JournalException refused = assertThrows(JournalException.class, () -> start(0));
            assertEquals("journal " + dir + " is in use by another purestock process (lock "
                    + dir.resolve("purestock.lock") + "); stop it first", refused.getMessage());
            assertEquals(1, first.engine().submit(new Command.ListProduct(2, 0)).join().sequence(),
                    "the refused start changed nothing");
        }
        try (JournaledEngine again = start(0)) {
            assertEquals(2, again.recovered().nextSequence());
        }
    }

    @Test
    void aCloseRefusedOnAStageThreadLeavesTheDirectoryLocked() {
        try (JournaledEngine journaled = start(0)) {
            CompletableFuture<Throwable> refusal = new CompletableFuture<>();
            // a callback, not a continuation of the future: a continuation attached after the answer would run on
            // this thread, where the close is allowed
            journaled.engine().submit(new Command.ListProduct(1, 0), new OutcomeViewCallback() {
                @Override
                public void onOutcome(OutcomeView outcome) {
                    try {
                        journaled.close(); // on the completion stage's thread: refused, nothing closed
                        refusal.complete(null);
                    } catch (RuntimeException e) {
                        refusal.complete(e);
                    }
                }

                @Override
                public void onFailure(Throwable cause) {
                    refusal.complete(cause);
                }
            });
            assertInstanceOf(IllegalStateException.class, refusal.join());
            assertThrows(JournalException.class, () -> start(0), "the engine still runs, so the lock is still held");
            assertEquals(1, journaled.engine().submit(new Command.ListProduct(2, 0)).join().sequence());
        }
        start(0).close();
    }

    @Test
    void aBoundedCloseReleasesTheLockOnlyOnceNothingOfTheEngineRuns() throws Exception {
        try (JournaledEngine drained = start(0)) {
            drained.engine().submit(new Command.ListProduct(1, 0)).join();
            assertTrue(drained.close(Duration.ofMinutes(5)));
            start(0).close(); // the lock was released
        }

        CountDownLatch release = new CountDownLatch(1);
        JournaledEngine stuck = JournaledEngine.builder(dir)
                .engine(builder -> builder.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO)
                        .consumer((command, outcome) -> awaitQuietly(release))) // holds up the completion stage
                .start();
        CompletableFuture<Outcome> pending = stuck.engine().submit(new Command.ListProduct(2, 0));
        assertFalse(stuck.close(Duration.ofMillis(50)), "the consumer holds the answer back: no drain in time");
        assertTrue(pending.isDone(), "its caller was answered, by the close or the stage");
        assertThrows(JournalException.class, () -> start(0), "the directory stays locked while a stage may run");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(stuck::close);
        release.countDown();
        closing.join();
        try (JournaledEngine again = start(0)) {
            assertEquals(2, again.recovered().nextSequence(), "both commands were journaled before the close");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void snapshotsCutWhileSeveralThreadsSubmitRecoverToTheLiveState() throws Exception {
        long live;
        long lastSnapshot;
        try (JournaledEngine journaled = start(250)) {
            PurestockEngine engine = journaled.engine();
            submit(engine, Workloads.setup(10, 400, 0));
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < 3; p++) {
                List<Command> workload = Workloads.mixed(700, 10, 100 + p, 1 + p * 10_000L, NOW);
                Thread producer = new Thread(() -> submit(engine, workload), "producer-" + p);
                producers.add(producer);
                producer.start();
            }
            long requested = engine.snapshot(0).join();
            for (Thread producer : producers) {
                producer.join();
            }
            lastSnapshot = engine.snapshot(0).join();
            assertTrue(requested <= lastSnapshot);
            live = engine.digest(0).join();
        }
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals("snapshot@" + lastSnapshot, recovered.recoveredFrom());
        assertEquals(live, StateDigest.of(recovered.store()));
        RecoveredState full = JournalRecovery.recoverWithoutSnapshots(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(live, StateDigest.of(full.store()));
    }

    private long runAndClose(long snapshotEvery, List<Command> setup, List<Command> workload) {
        try (JournaledEngine journaled = start(snapshotEvery)) {
            submit(journaled.engine(), setup);
            submit(journaled.engine(), workload);
            return journaled.engine().digest(0).join();
        }
    }

    /** How many of shard 0's snapshot stage threads (one keeps a copy of the state, one writes from it) run. */
    private static long snapshotStageThreads() {
        List<String> stage = List.of(StageRole.APPLY.threadName(0), StageRole.SNAPSHOT.threadName(0));
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName).filter(stage::contains).count();
    }

    private JournaledEngine start(long snapshotEvery) {
        return JournaledEngine.builder(dir).snapshotEvery(snapshotEvery)
                // no expiry ticks: the tests count the records their own commands make
                .engine(builder -> builder.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO))
                .start();
    }

    private static void submit(PurestockEngine engine, List<Command> commands) {
        for (CompletableFuture<Outcome> outcome : engine.submitAll(commands)) {
            outcome.join();
        }
    }
}
