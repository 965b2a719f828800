package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;

import static dev.purestock.engine.EngineFixtures.failureOf;
import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Snapshots cut by the snapshot stage from its own copy of the state, while the decision stage goes on. */
class SnapshotStageTest {
    private static final int PRODUCERS = 4;
    private static final int COMMANDS_PER_PRODUCER = 600;
    private static final int SKUS = 12;

    /** What a snapshot writer was given: the sequence, the time, and a copy of the state it read. */
    private record Taken(long lastSequence, long time, long digest, InventoryStore state) {
    }

    @Test
    void snapshotsCutWhileCommandsFlowEqualSnapshotsOfAQuiescedEngineAndRecoverToTheLiveState() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        List<Taken> taken = new CopyOnWriteArrayList<>();
        List<Long> requested = new ArrayList<>();
        long liveDigest;
        long lastSequence;
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal).snapshotEvery(97)
                .expireReservationsEvery(java.time.Duration.ZERO)
                .snapshotWriter(s -> (sequence, time, store) ->
                        taken.add(new Taken(sequence, time, StateDigest.of(store), SnapshotHandler.copyOf(store, StoreCapacity.DEFAULT))))
                .build()) {
            for (long sku = 1; sku <= SKUS; sku++) {
                engine.submit(list(sku)).join();
                engine.submit(receive(sku, sku, 0, 150)).join();
            }
            CyclicBarrier halfway = new CyclicBarrier(PRODUCERS + 1);
            List<Thread> producers = new ArrayList<>();
            List<CompletableFuture<?>> outcomes = new CopyOnWriteArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                Thread thread = new Thread(() -> produce(engine, producer, halfway, outcomes), "producer-" + p);
                producers.add(thread);
                thread.start();
            }
            halfway.await();
            for (int i = 0; i < 3; i++) {
                requested.add(engine.snapshot(0).join());
            }
            for (Thread thread : producers) {
                thread.join();
            }
            CompletableFuture.allOf(outcomes.toArray(new CompletableFuture[0])).join();
            requested.add(engine.snapshot(0).join());
            liveDigest = engine.digest(0).join();
            lastSequence = journal.entries().getLast().sequence();
        }

        long firstHalves = 2L * SKUS + (long) PRODUCERS * COMMANDS_PER_PRODUCER / 2;
        assertTrue(requested.getFirst() >= firstHalves - 1, "a snapshot asked for halfway covers every command "
                + "submitted before it: " + requested);
        assertEquals(lastSequence, requested.getLast());
        assertTrue(taken.stream().map(Taken::lastSequence).toList().containsAll(requested));
        assertTrue(taken.stream().anyMatch(t -> (t.lastSequence() + 1) % 97 == 0), "periodic snapshots were cut");
        assertEquals(taken.stream().map(Taken::lastSequence).sorted().toList(),
                taken.stream().map(Taken::lastSequence).toList(), "snapshots are written in sequence order");

        assertEquals(digestsOfAQuiescedEngine(journal.entries(), taken), taken.stream().map(Taken::digest).toList());

        Taken last = taken.stream().filter(t -> t.lastSequence() == requested.get(1)).findFirst().orElseThrow();
        assertEquals(liveDigest, recoveredDigest(last, journal.entries()),
                "the snapshot plus the journal's tail recovers the live state");
    }

    /**
     * A snapshot writer that hangs (a disk or a mount gone) while commands flow: at the backlog limit the stage gives
     * its copy up instead of keeping commands aside until the heap runs out; answers keep coming, later snapshots
     * fail with the cause, and the hung write, once it ends, completes its caller. The shard's metrics (and its
     * MBean) say at once, before any snapshot fails, that its snapshots are unavailable until a restart, and why.
     */
    @Test
    @Timeout(60)
    void aHungWriterPastTheBacklogLimitGivesTheCopyUpWhileAnswersKeepComing() throws Exception {
        int limit = 100;
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch diskBack = new CountDownLatch(1);
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        try (PurestockEngine engine = PurestockEngine.builder().snapshotBacklogLimit(limit)
                .expireReservationsEvery(java.time.Duration.ZERO)
                .snapshotWriter(s -> (sequence, time, store) -> {
                    writing.countDown();
                    diskBack.await();
                })
                .build();
             JmxMetrics jmx = JmxMetrics.register(engine.metrics(), "snapshot-stage", server)) {
            ShardMetrics shard = engine.metrics().shard(0);
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 1_000)).join();
            CompletableFuture<Long> hung = engine.snapshot(0);
            try {
                writing.await();
                for (long order = 1; order <= limit; order++) {
                    assertTrue(engine.submit(EngineFixtures.purchase(order, 1, 0)).join().accepted(), "answered");
                }
                assertFalse(shard.snapshotsUnavailable(), "up to the limit the copy is kept");
                assertEquals(Optional.empty(), shard.snapshotsUnavailableReason());
                assertEquals(false, server.getAttribute(shardName(), "SnapshotsUnavailable"));
                assertEquals("", server.getAttribute(shardName(), "SnapshotsUnavailableReason"));

                assertTrue(engine.submit(EngineFixtures.purchase(limit + 1, 1, 0)).join().accepted(), "answered");
                assertTrue(shard.snapshotsUnavailable(), "the command past the limit gave the copy up; its answer "
                        + "comes after, so the flag is seen with it, before any snapshot failed");
                assertEquals(0, shard.snapshotsFailed());
                String reason = shard.snapshotsUnavailableReason().orElseThrow();
                assertTrue(reason.startsWith("shard 0: the snapshot copy stopped being updated when it was given up "
                        + "at the snapshot backlog limit; no snapshot is written until the shard is restarted "
                        + "(java.lang.IllegalStateException: shard 0: the snapshot copy was given up at command "
                        + "sequence "), reason);
                assertTrue(reason.endsWith("then restart the engine; raise PurestockEngine.Builder."
                        + "snapshotBacklogLimit only if the heap has room for more)"), reason);
                assertEquals(true, server.getAttribute(shardName(), "SnapshotsUnavailable"));
                assertEquals(reason, server.getAttribute(shardName(), "SnapshotsUnavailableReason"));
                assertEquals(ShardMetrics.Health.RUNNING, shard.health(), "the shard goes on");
                for (long order = limit + 2; order <= 3L * limit; order++) {
                    assertTrue(engine.submit(EngineFixtures.purchase(order, 1, 0)).join().accepted(), "answered");
                }
                Throwable refused = failureOf(engine.snapshot(0));
                assertEquals("shard 0: the snapshot copy stopped being updated when it was given up at the snapshot "
                        + "backlog limit; no snapshot is written until the shard is restarted", refused.getMessage());
                assertTrue(refused.getCause().getMessage().contains(limit + " commands were kept aside for it (the "
                        + "snapshot backlog limit)"), refused.getCause().getMessage());
                assertEquals(1, engine.metrics().shard(0).snapshotsFailed());
                assertFalse(hung.isDone());
            } finally {
                diskBack.countDown(); // the close waits for the write in flight
            }
            assertEquals(1L, hung.join(), "the hung write ends with the snapshot at its mark");
            assertTrue(engine.submit(EngineFixtures.purchase(3L * limit + 1, 1, 0)).join().accepted());
            assertEquals(1, engine.metrics().shard(0).snapshotsWritten());
            assertEquals(1, engine.metrics().shard(0).snapshotsFailed());
            assertTrue(shard.snapshotsUnavailable(), "the write in flight ending brings no copy back");
        }
    }

    private static ObjectName shardName() {
        return JmxMetrics.shardName("snapshot-stage", 0);
    }

    private static void produce(PurestockEngine engine, int producer, CyclicBarrier halfway,
                                List<CompletableFuture<?>> outcomes) {
        Random random = new Random(producer);
        try {
            for (int i = 0; i < COMMANDS_PER_PRODUCER; i++) {
                if (i == COMMANDS_PER_PRODUCER / 2) {
                    halfway.await();
                }
                long orderId = producer * 1_000_000L + i;
                long sku = 1 + random.nextInt(SKUS);
                Command command = switch (random.nextInt(4)) {
                    case 0 -> new Command.Reserve(orderId, producer, List.of(new Line(sku, 0, 1 + random.nextInt(2))),
                            Long.MAX_VALUE);
                    case 1 -> new Command.CancelPurchase(Math.max(0, orderId - 1 - random.nextInt(5)));
                    default -> new Command.Purchase(orderId, random.nextInt(50), sku, 0, 1 + random.nextInt(3));
                };
                outcomes.add(engine.submit(command));
            }
        } catch (Exception | Error e) {
            halfway.reset();
            throw new AssertionError("producer " + producer + " failed", e);
        }
    }

    /** Replays the journal one command at a time into a fresh engine, cutting a snapshot at each taken sequence. */
    private static List<Long> digestsOfAQuiescedEngine(List<InMemoryJournal.Entry> entries, List<Taken> taken) {
        List<Long> digests = new ArrayList<>();
        AtomicLong clock = new AtomicLong();
        List<Long> quiesced = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(java.time.Duration.ZERO)
                .snapshotWriter(s -> (sequence, time, store) -> quiesced.add(StateDigest.of(store))).build()) {
            int next = 0;
            for (Taken snapshot : taken.stream().sorted(Comparator.comparingLong(Taken::lastSequence)).toList()) {
                while (next < entries.size() && entries.get(next).sequence() <= snapshot.lastSequence()) {
                    clock.set(entries.get(next).time());
                    engine.submit(entries.get(next).command()).join();
                    next++;
                }
                assertEquals(snapshot.lastSequence(), engine.snapshot(0).join());
                digests.add(quiesced.getLast());
            }
        }
        return digests;
    }

    private static long recoveredDigest(Taken snapshot, List<InMemoryJournal.Entry> entries) {
        AtomicLong clock = new AtomicLong();
        try (PurestockEngine engine = PurestockEngine.builder().clock(clock::get)
                .expireReservationsEvery(java.time.Duration.ZERO)
                .initialState(s -> new ShardState(snapshot.state(), snapshot.lastSequence() + 1, snapshot.time()))
                .build()) {
            for (InMemoryJournal.Entry entry : entries) {
                if (entry.sequence() > snapshot.lastSequence()) {
                    clock.set(entry.time());
                    assertEquals(entry.events(), engine.submit(entry.command()).join().events());
                }
            }
            return engine.digest(0).join();
        }
    }

    @Test
    void aFailingPeriodicSnapshotIsLoggedAndTheShardGoesOn() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        Semaphore attempted = new Semaphore(0);
        List<Long> written = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().snapshotEvery(2)
                .snapshotWriter(s -> (sequence, time, store) -> {
                    try {
                        if (attempts.incrementAndGet() % 2 == 1) {
                            throw new IOException("disk full");
                        }
                        written.add(sequence);
                    } finally {
                        attempted.release();
                    }
                }).build()) {
            for (int i = 0; i < 8; i++) {
                assertEquals(i, engine.submit(list(i)).join().sequence());
                if (i % 2 == 1) {
                    attempted.acquire(); // each periodic write is tried before the next falls due: none is skipped
                }
            }
            assertInstanceOf(IOException.class, failureOf(engine.snapshot(0)));
            assertEquals(8, engine.submit(list(8)).join().sequence());
            assertTrue(engine.failure().isEmpty());
        }
        assertEquals(List.of(3L, 7L), written, "every other periodic snapshot failed, the rest were written");
        assertEquals(5, attempts.get());
    }

    @ParameterizedTest
    @EnumSource(WaitStrategyKind.class)
    @Timeout(60)
    void aSnapshotAskedForBehindAWriteIsWrittenOnceItEndsWithNoCommandAfterIt(WaitStrategyKind wait) throws Exception {
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch firstMayEnd = new CountDownLatch(1);
        List<Long> written = new CopyOnWriteArrayList<>();
        CompletableFuture<Long> first;
        CompletableFuture<Long> second;
        try (PurestockEngine engine = PurestockEngine.builder().waitStrategy(wait)
                .expireReservationsEvery(java.time.Duration.ZERO)
                .snapshotWriter(s -> (sequence, time, store) -> {
                    if (written.isEmpty()) {
                        firstStarted.countDown();
                        firstMayEnd.await();
                    }
                    written.add(sequence);
                }).build()) {
            engine.submit(list(1)).join();
            first = engine.snapshot(0);
            firstStarted.await();
            for (int i = 0; i < 100; i++) {
                engine.submit(receive(i, 1, 0, 1)).join(); // answered while the copy is being written
            }
            second = engine.snapshot(0);
            assertEquals(101, engine.submit(receive(100, 1, 0, 1)).join().sequence(),
                    "a command behind a snapshot that waits for a write is answered all the same");
            firstMayEnd.countDown(); // from here on the ring stays empty: nothing but the write's end wakes the stage
            assertEquals(0L, first.get());
            assertEquals(100L, second.get(), "the snapshot covers exactly the commands before it");
        }
        assertEquals(List.of(0L, 100L), written);
    }

    @Test
    void theCopyStartsFromTheInitialState() {
        PrimitiveInventoryStore initial = new PrimitiveInventoryStore();
        dev.purestock.domain.Inventory.evolveAll(initial, 1,
                dev.purestock.domain.Inventory.decide(list(1), 1, initial));
        dev.purestock.domain.Inventory.evolveAll(initial, 2,
                dev.purestock.domain.Inventory.decide(receive(1, 1, 0, 5), 2, initial));
        dev.purestock.domain.Inventory.evolveAll(initial, 3, dev.purestock.domain.Inventory.decide(
                new Command.Reserve(9, 1, List.of(new Line(1, 0, 2)), 100), 3, initial));
        for (long order = 10; order < 13; order++) {
            dev.purestock.domain.Inventory.evolveAll(initial, order, dev.purestock.domain.Inventory.decide(
                    new Command.Purchase(order, 2, 1, 0, 1), order, initial));
        }
        dev.purestock.domain.Inventory.evolveAll(initial, 20, dev.purestock.domain.Inventory.decide(
                new Command.CancelPurchase(10), 20, initial));
        InventoryStore copy = SnapshotHandler.copyOf(initial, StoreCapacity.DEFAULT);
        assertEquals(StateDigest.of(initial), StateDigest.of(copy));
        List<Long> lastChanges = new ArrayList<>();
        copy.forEachByLastChange((orderId, changedAt) -> lastChanges.add(orderId));
        assertEquals(List.of(11L, 12L, 10L), lastChanges, "the order of last changes is copied in its order");
        List<Long> due = new ArrayList<>();
        copy.forEachDue(100, (orderId, expiresAt) -> due.add(orderId));
        assertEquals(List.of(9L), due, "a reservation's expiry is scheduled in the copy");
        assertFalse(initial == copy);
    }
}
