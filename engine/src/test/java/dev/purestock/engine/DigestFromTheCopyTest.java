package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Product;
import dev.purestock.domain.StateDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where a shard has a snapshot stage, {@link PurestockEngine#digest} and {@link PurestockEngine#digestWithSequence}
 * walk the snapshot stage's copy of the state, on the snapshot thread, and the decision stage only marks where the
 * digest belongs, so the shard goes on deciding while the walk lasts; the digest is still the state's after exactly
 * the commands before the digest's slot. Where the copy is gone, the decision stage takes the digest itself.
 */
class DigestFromTheCopyTest {
    private static final long START = 1_000_000;
    private static final int SKUS = 8;
    private static final int PRODUCERS = 3;
    private static final int COMMANDS_PER_PRODUCER = 1_500;
    private static final int DIGEST_EVERY = 10;

    /**
     * A decision state whose walk refuses to run on the decision thread: a digest that walked it there would stop
     * the shard. The commands submitted after the digest are answered, and the digest is the state's at its slot.
     */
    @Test
    @Timeout(60)
    void aDigestDoesNotWalkTheDecisionStateOnTheDecisionThread() {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal)
                .snapshotWriter(s -> (sequence, time, store) -> { })
                .initialState(s -> new ShardState(new NotWalkedWhileDeciding(), 0, START))
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 100)).join();
            Outcome bought = engine.submit(purchase(1, 1, 0)).join();

            CompletableFuture<ShardDigest> digest = engine.digestWithSequence(0);
            CompletableFuture<Long> plain = engine.digest(0);
            Outcome after = engine.submit(purchase(2, 1, 0)).join();

            assertTrue(after.accepted(), "the shard goes on deciding");
            assertEquals(new ShardDigest(0, bought.sequence(), replayed(journal.entries(), bought.sequence())),
                    digest.join());
            assertEquals(digest.join().digest(), plain.join());
            assertEquals(ShardMetrics.Health.RUNNING, engine.metrics().shard(0).health());
        }
    }

    /**
     * A digest asked for while a snapshot is written waits for the write, which holds the copy, as a second snapshot
     * would, while the shard goes on deciding and answering the commands submitted after it; once the write ends it
     * covers exactly the commands before its slot.
     */
    @Test
    @Timeout(60)
    void aDigestAskedForDuringASnapshotWriteWaitsForItWhileTheShardGoesOnDeciding() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch writeMayEnd = new CountDownLatch(1);
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal)
                .snapshotWriter(s -> (sequence, time, store) -> {
                    writing.countDown();
                    writeMayEnd.await();
                })
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 1_000)).join();
            CompletableFuture<Long> snapshot = engine.snapshot(0);
            writing.await();
            Outcome before = engine.submit(purchase(1, 1, 0)).join();
            CompletableFuture<ShardDigest> digest = engine.digestWithSequence(0);
            CompletableFuture<Long> plain = engine.digest(0);
            try {
                for (long order = 2; order <= 200; order++) {
                    assertTrue(engine.submit(purchase(order, 1, 0)).join().accepted(), "answered");
                }
                assertFalse(digest.isDone(), "the digest waits for the write that holds the copy");
                assertFalse(plain.isDone());
            } finally {
                writeMayEnd.countDown();
            }
            assertEquals(1L, snapshot.join());
            assertEquals(new ShardDigest(0, before.sequence(), replayed(journal.entries(), before.sequence())),
                    digest.join());
            assertEquals(digest.join().digest(), plain.join());
        }
    }

    /**
     * Digests asked for again and again by producers that submit purchases, reservations, cancels and holds between
     * them, with the engine's time command expiring reservations, deciding held commands and forgetting orders, and
     * periodic snapshots written: each digest equals the state of the journal up to the sequence it names, which is
     * at or after that of the command its producer submitted before it; and the digest of the quiet shard, the state
     * of the whole journal.
     */
    @Test
    @Timeout(120)
    void digestsTakenWhileCommandsFlowEqualTheJournalsStateAtTheirSequence() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        AtomicLong clock = new AtomicLong(START);
        List<Asked> asked = new CopyOnWriteArrayList<>();
        List<CompletableFuture<Outcome>> outcomes = new CopyOnWriteArrayList<>();
        ShardDigest quiet;
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal).clock(clock::get)
                .snapshotEvery(101).snapshotWriter(s -> (sequence, time, store) -> StateDigest.of(store))
                .expireReservationsEvery(Duration.ZERO).keepDueTimes().retainOrdersFor(Duration.ofMillis(500))
                .build()) {
            for (long sku = 1; sku <= SKUS; sku++) {
                engine.submit(list(sku)).join();
                engine.submit(receive(sku, sku, 0, 100_000)).join();
            }
            List<Thread> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                Thread thread = new Thread(() -> produce(engine, clock, producer, outcomes, asked), "producer-" + p);
                producers.add(thread);
                thread.start();
            }
            for (Thread producer : producers) {
                producer.join();
            }
            CompletableFuture.allOf(outcomes.toArray(new CompletableFuture[0])).join();
            quiet = engine.digestWithSequence(0).join();
            assertEquals(journal.entries().getLast().sequence(), quiet.lastSequence());
            assertEquals(quiet.digest(), engine.digest(0).join());
            assertTrue(engine.metrics().shard(0).snapshotsWritten() > 0, "snapshots were written meanwhile");
        }
        assertEquals(PRODUCERS * COMMANDS_PER_PRODUCER / DIGEST_EVERY, asked.size());
        List<ShardDigest> digests = new ArrayList<>();
        for (Asked digest : asked) {
            ShardDigest taken = digest.digest().join();
            assertTrue(taken.lastSequence() >= digest.after().join().sequence(), "a digest covers the command its "
                    + "producer submitted before it: " + taken + " after " + digest.after().join());
            digests.add(taken);
        }
        digests.add(quiet);
        MapInventoryStore replayed = new MapInventoryStore();
        List<InMemoryJournal.Entry> entries = journal.entries();
        assertTrue(entries.stream().anyMatch(entry -> entry.command() instanceof Command.ExpireReservations
                && !entry.events().isEmpty()), "the engine's time command changed the state meanwhile");
        int next = 0;
        for (ShardDigest digest : digests.stream().sorted(Comparator.comparingLong(ShardDigest::lastSequence)).toList()) {
            while (next < entries.size() && entries.get(next).sequence() <= digest.lastSequence()) {
                Inventory.evolveAll(replayed, entries.get(next).time(), entries.get(next).events());
                next++;
            }
            assertEquals(StateDigest.format(StateDigest.of(replayed)), digest.stateHash(), digest.toString());
        }
    }

    /**
     * Once the snapshot stage gave its copy up (a hung snapshot writer past the backlog limit), a digest is taken on
     * the decision thread, as a shard without a snapshot stage takes it: it is answered, with the state at its slot,
     * while the write still hangs.
     */
    @Test
    @Timeout(60)
    void aDigestAskedForOnceTheCopyIsGoneIsTakenFromTheDecisionState() throws Exception {
        int limit = 50;
        InMemoryJournal journal = new InMemoryJournal();
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch diskBack = new CountDownLatch(1);
        try (PurestockEngine engine = PurestockEngine.builder().journal(s -> journal).snapshotBacklogLimit(limit)
                .snapshotWriter(s -> (sequence, time, store) -> {
                    writing.countDown();
                    diskBack.await();
                })
                .expireReservationsEvery(Duration.ZERO).build()) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 1_000)).join();
            CompletableFuture<Long> hung = engine.snapshot(0);
            try {
                writing.await();
                Outcome last = null;
                for (long order = 1; order <= limit + 1; order++) {
                    last = engine.submit(purchase(order, 1, 0)).join();
                }
                assertTrue(engine.metrics().shard(0).snapshotsUnavailable(), "the copy was given up");

                ShardDigest digest = engine.digestWithSequence(0).join();
                assertEquals(new ShardDigest(0, last.sequence(), replayed(journal.entries(), last.sequence())), digest);
                assertEquals(digest.digest(), engine.digest(0).join());
                assertFalse(hung.isDone(), "the write still hangs");
            } finally {
                diskBack.countDown();
            }
            hung.join();
        }
    }

    /**
     * A close with a timeout that returns while the snapshot thread is still busy (a write that hangs, with digests
     * waiting behind it) answers those digests, as it answers every caller it leaves: with an
     * {@link EngineClosedException}, once, and not again when the write ends and the stage stops.
     */
    @Test
    @Timeout(60)
    void aCloseThatTimesOutFailsTheDigestsWaitingBehindAHungWrite() throws Exception {
        CountDownLatch writing = new CountDownLatch(1);
        CountDownLatch diskBack = new CountDownLatch(1);
        PurestockEngine engine = PurestockEngine.builder().journal(s -> new InMemoryJournal())
                .snapshotWriter(s -> (sequence, time, store) -> {
                    writing.countDown();
                    diskBack.await();
                })
                .expireReservationsEvery(Duration.ZERO).build();
        CompletableFuture<Long> snapshot;
        CompletableFuture<ShardDigest> digest;
        CompletableFuture<Long> plain;
        try {
            engine.submit(list(1)).join();
            snapshot = engine.snapshot(0);
            writing.await();
            digest = engine.digestWithSequence(0);
            plain = engine.digest(0);
            assertTrue(engine.submit(receive(1, 1, 0, 10)).join().accepted(), "answered after both digests");

            assertFalse(engine.close(Duration.ZERO), "the snapshot thread is still busy");
            assertTrue(digest.isCompletedExceptionally(), "a close that returned answered the digest");
            assertTrue(plain.isCompletedExceptionally());
            assertInstanceOf(EngineClosedException.class, assertThrows(CompletionException.class, digest::join)
                    .getCause());
            assertInstanceOf(EngineClosedException.class, assertThrows(CompletionException.class, plain::join)
                    .getCause());
        } finally {
            diskBack.countDown();
        }
        engine.close();
        assertEquals(0L, snapshot.join(), "the write ends, its snapshot written");
        assertInstanceOf(EngineClosedException.class, assertThrows(CompletionException.class, digest::join)
                .getCause(), "answered once");
    }

    /**
     * {@link #COMMANDS_PER_PRODUCER} commands, a digest after every {@link #DIGEST_EVERY}, and from producer 0 the
     * engine's time command every 100 commands.
     */
    private static void produce(PurestockEngine engine, AtomicLong clock, int producer,
                                List<CompletableFuture<Outcome>> outcomes, List<Asked> asked) {
        Random random = new Random(producer);
        for (int i = 1; i <= COMMANDS_PER_PRODUCER; i++) {
            long id = producer * 1_000_000L + i;
            long sku = 1 + random.nextInt(SKUS);
            long now = clock.incrementAndGet();
            Command command = switch (random.nextInt(6)) {
                case 0 -> new Command.Reserve(id, producer, List.of(new Line(sku, 0, 1)), now + random.nextInt(50));
                case 1 -> new Command.CancelPurchase(Math.max(1, id - 1 - random.nextInt(5)));
                case 2 -> new Command.Hold(id, now + random.nextInt(50), new Command.Purchase(id, producer, sku, 0, 1));
                default -> new Command.Purchase(id, random.nextInt(40), sku, 0, 1 + random.nextInt(2));
            };
            CompletableFuture<Outcome> outcome = engine.submit(command);
            outcomes.add(outcome);
            if (i % DIGEST_EVERY == 0) {
                asked.add(new Asked(outcome, engine.digestWithSequence(0)));
            }
            if (producer == 0 && i % 100 == 0) {
                engine.expireReservations();
            }
        }
    }

    /** A digest a producer asked for, and the outcome of the command it submitted just before. */
    private record Asked(CompletableFuture<Outcome> after, CompletableFuture<ShardDigest> digest) {
    }

    /** The digest of the state the journal's entries up to {@code lastSequence} build, from the empty state. */
    private static long replayed(List<InMemoryJournal.Entry> entries, long lastSequence) {
        MapInventoryStore store = new MapInventoryStore();
        entries.stream().filter(entry -> entry.sequence() <= lastSequence)
                .forEach(entry -> Inventory.evolveAll(store, entry.time(), entry.events()));
        return StateDigest.of(store);
    }

    /** A decision state whose walk, the first part of a digest's, throws on the shard's decision thread. */
    private static final class NotWalkedWhileDeciding extends DelegatingStore {
        @Override
        public void forEachProductAndPosition(Consumer<Product> products, PositionVisitor positions) {
            if (Thread.currentThread().getName().equals(StageRole.DECIDE.threadName(0))) {
                throw new IllegalStateException("the decision thread walked the whole state");
            }
            super.forEachProductAndPosition(products, positions);
        }
    }
}
