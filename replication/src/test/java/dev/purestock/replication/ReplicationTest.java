package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalTruncation;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A primary and a standby in this JVM, on loopback. */
class ReplicationTest {
    static final Duration WAIT = Duration.ofSeconds(5);

    /** Waits, polling every millisecond, until {@code condition} holds; fails naming {@code what} after {@link #WAIT}. */
    static void awaitTrue(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting until " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
    }
    static final int SKUS = 5;
    static final int WAREHOUSE = 1;

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    static JournaledEngine engine(Path dir, Primary primary) {
        return JournaledEngine.builder(dir)
                .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING).ringSize(1024)))
                .start();
    }

    /** {@link #engine}, with no expiry timer: its journal holds only the commands the test submitted. */
    static JournaledEngine engineWithoutTimer(Path dir, Primary primary) {
        return JournaledEngine.builder(dir)
                .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING).ringSize(1024)
                        .expireReservationsEvery(Duration.ZERO)))
                .start();
    }

    /** Lists {@link #SKUS} products with {@code stock} units each; the last outcome. */
    static Outcome stock(PurestockEngine engine, long stock) {
        Outcome last = null;
        for (int sku = 1; sku <= SKUS; sku++) {
            engine.submit(new Command.ListProduct(sku, 1_000)).join();
            last = engine.submit(new Command.ReceiveStock(sku, sku, WAREHOUSE, stock)).join();
        }
        return last;
    }

    /**
     * A standby holding 20 records its primary lost in a crash (sent to the standby, never journaled by the primary):
     * a primary and standby that replicated a stocked sale, then the primary's journal cut 20 records short of the
     * standby's. Both are closed again; the standby's last sequence.
     */
    static long standbyPastACrashedPrimary(Path primaryDir, Path standbyDir) throws Exception {
        long standbyLast;
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            stock(journaled.engine(), 1_000);
            standbyLast = purchases(journaled.engine(), 1, 40).sequence();
            assertTrue(standby.awaitSequence(standbyLast, WAIT));
        }
        try (JournalLock lock = JournalLock.acquire(primaryDir)) {
            JournalTruncation.truncateAfter(primaryDir, standbyLast - 20);
        }
        return standbyLast;
    }

    /** Submits {@code count} purchases of one unit from order id {@code firstId} on, all at once; the last outcome. */
    static Outcome purchases(PurestockEngine engine, long firstId, int count) {
        List<CompletableFuture<Outcome>> futures = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long id = firstId + i;
            futures.add(engine.submit(new Command.Purchase(id, id % 97, 1 + id % SKUS, WAREHOUSE, 1)));
        }
        Outcome last = null;
        for (CompletableFuture<Outcome> future : futures) {
            Outcome outcome = future.join();
            if (last == null || outcome.sequence() > last.sequence()) {
                last = outcome;
            }
        }
        return last;
    }

    static Primary.Builder primary(Path dir, ReplicationMode mode) {
        return Primary.builder(dir).listen("localhost:0").mode(mode).termLength(1 << 20);
    }

    @Test
    void anAsyncStandbyHoldsThePrimarysJournalBytesAndState() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 400);
            purchases(engine, 1, 300);
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                Outcome last = purchases(engine, 1_000, 300);
                assertTrue(standby.awaitSequence(last.sequence(), WAIT), "the standby caught up");
                for (int sku = 1; sku <= SKUS; sku++) {
                    assertEquals(engine.readModel().available(sku, WAREHOUSE), standby.available(sku, WAREHOUSE));
                }
                assertEquals(OrderStatus.PURCHASED, standby.orderStatus(1_299));
                assertEquals(null, standby.orderStatus(99_999));
                ReplicationStatus status = standby.status();
                assertEquals(last.sequence(), status.lastSequence());
                assertEquals(0, status.duplicates());
                assertEquals(0, status.gaps());
                assertEquals(ReplicationRole.STANDBY, status.role());
            }
            Journals.assertPrefix(primaryDir, standbyDir, 2 * SKUS + 600);
            assertEquals(ReplicationRole.PRIMARY, primary.status().role());
        }
    }

    @Test
    void aSyncPrimaryAnswersOnlyWhatTheStandbyJournaled() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).syncTimeout(WAIT).start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 400);
            List<CompletableFuture<Outcome>> futures = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                futures.add(engine.submit(new Command.Purchase(i + 1, i, 1 + i % SKUS, WAREHOUSE, 1)));
            }
            for (CompletableFuture<Outcome> future : futures) {
                Outcome outcome = future.join();
                assertTrue(standby.status().peerSequence() >= 0, "the standby has heard from its primary");
                assertTrue(primary.status().peerSequence() >= outcome.sequence(),
                        "seq " + outcome.sequence() + " was answered before the standby acknowledged it");
                assertFalse(Inventory.anyRejected(outcome.events()) && outcome.sequence() < 2 * SKUS);
            }
            ReplicationStatus status = primary.status();
            assertFalse(status.degraded());
            assertEquals(0, status.degradations());
            assertEquals(ReplicationMode.SYNC, status.mode());
        }
        Journals.assertPrefix(primaryDir, standbyDir, 2 * SKUS + 500);
    }

    @Test
    void aStandbyFindsItsPrimaryAgainAfterThePrimaryRestarts() throws Exception {
        String endpoint;
        long first;
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            endpoint = primary.endpoint();
            stock(journaled.engine(), 1_000);
            first = purchases(journaled.engine(), 1, 200).sequence();
        }
        try (Standby standby = Standby.builder(standbyDir).primary(endpoint).start()) {
            long second;
            try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).listen(endpoint).syncTimeout(WAIT)
                    .start();
                 JournaledEngine journaled = engine(primaryDir, primary)) {
                second = purchases(journaled.engine(), 1_000, 200).sequence();
                assertTrue(standby.awaitSequence(second, WAIT));
            }
            try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).listen(endpoint).syncTimeout(WAIT)
                    .start();
                 JournaledEngine journaled = engine(primaryDir, primary)) {
                long third = purchases(journaled.engine(), 2_000, 200).sequence();
                assertTrue(third > second && second > first);
                assertTrue(primary.status().peerSequence() >= third, "SYNC: the standby acknowledged it");
                assertTrue(standby.status().connected());
                assertEquals(0, standby.status().gaps());
            }
        }
        Journals.assertPrefix(primaryDir, standbyDir, 2 * SKUS + 600);
        assertEquals(Journals.raw(primaryDir).size(), Journals.raw(standbyDir).size());
    }

    /** A record larger than a message of several records, and than a UDP frame: alone in its message, reassembled. */
    @Test
    void aRecordOfAFullBatchReachesTheStandbyWhole() throws Exception {
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 10_000);
            List<Command> purchases = new ArrayList<>();
            for (int i = 0; i < Limits.MAX_BATCH_COMMANDS; i++) {
                purchases.add(new Command.Purchase(100 + i, i, 1 + i % SKUS, WAREHOUSE, 1));
            }
            Outcome batch = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC, purchases)).join();
            Outcome after = engine.submit(new Command.Purchase(5_000, 1, 1, WAREHOUSE, 1)).join();
            assertTrue(standby.awaitSequence(after.sequence(), WAIT));
            assertEquals(OrderStatus.PURCHASED, standby.orderStatus(100 + Limits.MAX_BATCH_COMMANDS - 1));
            assertFalse(Inventory.anyRejected(batch.events()));
        }
        List<byte[]> records = Journals.raw(standbyDir);
        assertTrue(records.get(records.size() - 2).length > 64 << 10, "the batch's record is "
                + records.get(records.size() - 2).length + " bytes");
        Journals.assertPrefix(primaryDir, standbyDir, 2 * SKUS + 2);
    }

    /**
     * A record longer than the largest Aeron message of the term length refuses the standby, naming that record: one
     * read from the journal (the standby catching up) was named by the sequence after it.
     */
    @Test
    void aRecordLongerThanTheLargestMessageRefusesTheStandbyNamingIt() throws Exception {
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").termLength(64 << 10).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 10_000);
            List<Command> purchases = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                purchases.add(new Command.Purchase(100 + i, i, 1 + i % SKUS, WAREHOUSE, 1));
            }
            long batch = engine.submit(new Command.Batch(Command.Batch.Mode.ATOMIC, purchases)).join().sequence();
            engine.submit(new Command.Purchase(5_000, 1, 1, WAREHOUSE, 1)).join();
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                ReplicationException refused = assertThrows(ReplicationException.class,
                        () -> standby.awaitSequence(batch, WAIT));
                assertTrue(refused.getMessage().contains("(seq " + batch + ")"), refused.getMessage());
            }
        }
    }

    @Test
    void recordsSentInLargerDatagramsReachTheStandbyTheSame() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).mtu(8_192).syncTimeout(WAIT).start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 10_000);
            Outcome last = purchases(engine, 1, 2_000);
            assertTrue(primary.status().peerSequence() >= last.sequence(), "SYNC: acknowledged before answered");
            assertEquals(8_192, primary.dataMtu());
            assertEquals(engine.readModel().available(1, WAREHOUSE), standby.available(1, WAREHOUSE));
        }
        Journals.assertPrefix(primaryDir, standbyDir, 2 * SKUS + 2_000);
    }

    /**
     * A primary or a standby told to listen where something already does threw Aeron's own RegistrationException
     * (its driver's "channel error - Address already in use" and the channel), not the ReplicationException their
     * builders promise for a transport that cannot listen, and without saying whose address it was.
     */
    @Test
    void aListenAddressInUseIsRefusedNamingItAndTheSide() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start()) {
            ReplicationException taken = assertThrows(ReplicationException.class,
                    () -> primary(standbyDir, ReplicationMode.ASYNC).listen(primary.endpoint()).start().close());
            assertTrue(taken.getMessage().startsWith("the primary cannot listen on " + primary.endpoint()
                    + " for its standby (Primary.Builder.listen; purestock demo --replicate): "), taken.getMessage());
            assertTrue(taken.getMessage().contains("Address already in use"), taken.getMessage());

            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).listen("127.0.0.1:0")
                    .start()) {
                ReplicationException busy = assertThrows(ReplicationException.class,
                        () -> Standby.builder(primaryDir.resolve("second")).primary(primary.endpoint())
                                .listen(standby.endpoint()).start().close());
                assertTrue(busy.getMessage().startsWith("the standby cannot receive on " + standby.endpoint()
                        + " (Standby.Builder.listen; purestock standby --listen): "), busy.getMessage());
                assertTrue(busy.getMessage().contains("Address already in use"), busy.getMessage());
            }
            try (Standby again = Standby.builder(primaryDir.resolve("second")).primary(primary.endpoint()).start()) {
                assertEquals(-1, again.lastSequence(), "the refused standby let go of its directory");
            }
        }
    }

    @Test
    void anMtuOutsideWhatUdpAndAeronTakeIsRefused() {
        for (int mtu : new int[] {0, 32, 1_000, 65_536}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> Primary.builder(primaryDir).mtu(mtu));
            assertTrue(refused.getMessage().contains("multiple of 32 from 64 to 65,504"), refused.getMessage());
        }
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                () -> Primary.builder(primaryDir).termLength(64 << 10).mtu(16_384).start());
        assertTrue(tooLarge.getMessage().contains("at most an eighth of the term length"), tooLarge.getMessage());
    }
}
