package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.engine.Outcome;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournaledEngine;
import io.aeron.ExclusivePublication;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.OneToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.standbyPastACrashedPrimary;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What a primary and a standby must not do under awkward hellos: count a refused standby's journal as acknowledged,
 * let an old primary's tail stand when the epoch check cannot read the journal, hand one standby's refusal to the
 * next, take an older epoch's records into a promoted directory, hide why SYNC stopped, or accept port 0 as the
 * address to send to.
 */
class ReplicationHardeningTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;
    @TempDir
    Path otherDir;

    /**
     * The doc: a SYNC+WAIT primary restarted after a crash, whose standby's journal ends past it, refuses that
     * standby; nothing is answered that no standby journaled. But the hello sets the acknowledged sequence to the
     * standby's last before the check, so the primary answers its next commands up to that sequence at once.
     */
    @Test
    void aStandbyRefusedForBeingAheadAcknowledgesNothingOfASyncWaitPrimary() throws Exception {
        long standbyLast = standbyPastACrashedPrimary(primaryDir, standbyDir);
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.WAIT)
                .syncTimeout(Duration.ofMillis(300)).start();
             JournaledEngine journaled = engine(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            awaitTrue(() -> standby.status().failure() != null, "the standby ahead is refused");
            assertTrue(standby.status().failure().contains("past this primary's last seq"),
                    standby.status().failure());
            // no standby holds this purchase: SYNC + WAIT must not answer it as done
            assertNotAnswered(journaled, primary);
        }
    }

    /**
     * An old primary rejoins a promoted primary whose journal has no cycle file yet (promoted from an empty
     * standby): lastOfEpochAtMost throws out of doWork, the hello check (truncate / ahead) is skipped for good, and
     * the new primary's records are appended after the old primary's own old-epoch records: divergence.
     */
    @Test
    void aFailedEpochCheckDoesNotLetAnOldPrimarysTailStandUnderTheNewHistory() throws Exception {
        long oldLast;
        try (Primary old = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, old)) {
            stock(journaled.engine(), 1_000);
            oldLast = purchases(journaled.engine(), 1, 10).sequence();
        }
        try (JournalLock lock = JournalLock.acquire(otherDir)) {
            JournalEpoch.promote(otherDir); // an empty standby promoted: epoch 1, next seq 0
        }
        try (Primary promoted = primary(otherDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(otherDir, promoted);
             Standby rejoined = Standby.builder(primaryDir).primary(promoted.endpoint()).start()) {
            awaitTrue(() -> rejoined.status().connected() || rejoined.truncations() > 0
                    || rejoined.status().failure() != null, "the old primary heard from the new one");
            stock(journaled.engine(), 500);
            long last = purchases(journaled.engine(), 5_000, 30).sequence();
            assertTrue(last > oldLast + 5);
            if (rejoined.awaitSequence(last, WAIT)) {
                // it holds the new primary's seq 0..last: its journal must be the new primary's prefix
                Journals.assertPrefix(otherDir, primaryDir, (int) last + 1);
            } else {
                fail("the rejoined standby never caught up: " + rejoined.status());
            }
        }
    }

    /**
     * A refusal the primary could not send (the refused standby's channel never connects) waits in {@code refusal}
     * and goes to the next standby that says hello, which is healthy, and stops it.
     */
    @Test
    void aPendingRefusalIsNotSentToTheNextStandby() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            stock(journaled.engine(), 1_000);
            long last = purchases(journaled.engine(), 1, 20).sequence();
            try (AeronTransport fake = AeronTransport.start(null, null, "review-fake")) {
                ExclusivePublication control = fake.aeron().addExclusivePublication(
                        Endpoint.parse(primary.endpoint(), "p").channel(""),
                        ReplicationMessageDescriptor.CONTROL_STREAM);
                UnsafeBuffer hello = new UnsafeBuffer(new byte[256]);
                // a standby "ahead" (seq 1000) on a channel nobody receives on: its refusal never goes out
                int length = ReplicationMessageDescriptor.putHello(hello, 0, 1_000, 42, 0,
                        "aeron:udp?endpoint=127.0.0.1:9");
                offer(fake, control, hello, length);
                awaitTrue(() -> {
                    fake.invoke();
                    return primary.status().failure() != null;
                }, "the primary refused the fake standby");
                control.close();
            }
            try (Standby healthy = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                assertTrue(healthy.awaitSequence(last, WAIT), "the healthy standby caught up");
            }
        }
    }

    /**
     * A hello naming a channel Aeron will not open (a garbled or foreign datagram on the control port) closed the
     * publication to the standby being served before it found it could not open the new one: that standby heard
     * nothing more until its silence check asked again a second later (in SYNC a stall; with a timeout under a second,
     * the engine stopped).
     */
    @Test
    void aHelloNamingAChannelThatCannotBeOpenedLeavesTheServedStandbyServed() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary);
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
            stock(journaled.engine(), 1_000);
            assertTrue(standby.awaitSequence(purchases(journaled.engine(), 1, 10).sequence(), WAIT));
            long helloId = standby.helloId();
            try (AeronTransport fake = AeronTransport.start(null, null, "review-garbled")) {
                ExclusivePublication control = fake.aeron().addExclusivePublication(
                        Endpoint.parse(primary.endpoint(), "p").channel(""),
                        ReplicationMessageDescriptor.CONTROL_STREAM);
                UnsafeBuffer hello = new UnsafeBuffer(new byte[256]);
                int length = ReplicationMessageDescriptor.putHello(hello, 0, 0, 42, 0, "not-a-channel");
                offer(fake, control, hello, length);
                awaitTrue(() -> {
                    fake.invoke();
                    return primary.status().failure() != null;
                }, "the primary tried the garbled hello's channel");
                control.close();
            }
            long last = purchases(journaled.engine(), 100, 10).sequence();
            assertTrue(standby.awaitSequence(last, WAIT), "the standby caught up: " + standby.status());
            assertEquals(helloId, standby.helloId(), "the standby was served on, without asking again");
        }
    }

    /** The doc: status says why replication stopped. A SYNC+WAIT timeout stops the engine; status().failure()? */
    @Test
    void aSyncWaitTimeoutIsReportedInStatus() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.WAIT)
                .syncTimeout(Duration.ofMillis(200)).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            assertThrows(CompletionException.class,
                    () -> journaled.engine().submit(new Command.ListProduct(1, 1_000)).join());
            assertNotNull(primary.status().failure(), "status says why replication stopped: " + primary.status());
        }
    }

    /** A primary address with port 0 is accepted: the standby says hello to port 0 forever. */
    @Test
    void aPrimaryAddressWithPortZeroIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Standby.builder(standbyDir).primary("127.0.0.1:0"));
    }


    /** A primary address with port 0, started: does the standby ever say why it hears nothing? */
    @Test
    void aPromotedDirectoryRefusesRecordsOfAnOlderEpoch() throws Exception {
        try (Primary old = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, old)) {
            stock(journaled.engine(), 1_000);
            long replicated;
            try (Standby standby = Standby.builder(standbyDir).primary(old.endpoint()).start()) {
                replicated = purchases(journaled.engine(), 1, 10).sequence();
                assertTrue(standby.awaitSequence(replicated, WAIT));
            }
            try (JournalLock lock = JournalLock.acquire(standbyDir)) {
                JournalEpoch.promote(standbyDir);
            }
            long more = purchases(journaled.engine(), 100, 10).sequence();
            try (Standby promotedThenFollowing = Standby.builder(standbyDir).primary(old.endpoint()).start()) {
                awaitTrue(() -> old.status().failure() != null, "the old primary is fenced by the promoted hello");
                assertTrue(old.status().failure().contains("newer than this primary's 0"), old.status().failure());
                assertTrue(promotedThenFollowing.status().lastSequence() <= replicated,
                        "the epoch-1 directory took no epoch-0 record: " + promotedThenFollowing.status());
            }
        }
    }

    /**
     * A standby's acknowledgement counts only once its hello passed the checks: one that came with (or after) a hello
     * the primary refuses raised the acknowledged sequence all the same, and a SYNC+WAIT primary answered purchases
     * no standby journaled.
     */
    @Test
    void anAcknowledgementOfARefusedHelloCountsForNothing() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            stock(journaled.engine(), 1_000);
        }
        // no expiry timer: nothing is submitted until the second refusal is seen, so no SYNC batch waits, and its
        // timeout cannot stop the engine first, whose reason the status would give in place of the refusal
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.WAIT)
                .syncTimeout(Duration.ofMillis(300)).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, primary);
             AeronTransport fake = AeronTransport.start(null, null, "review-fake")) {
            ExclusivePublication control = fake.aeron().addExclusivePublication(
                    Endpoint.parse(primary.endpoint(), "p").channel(""), ReplicationMessageDescriptor.CONTROL_STREAM);
            UnsafeBuffer message = new UnsafeBuffer(new byte[256]);
            // a standby ahead of the primary (refused), acknowledging far past anything decided
            offer(fake, control, message, ReplicationMessageDescriptor.putHello(message, 0, 1_000, 42, 0,
                    "aeron:udp?endpoint=127.0.0.1:9"));
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.ACK, 0, 1_000_000, 42);
            offer(fake, control, message, ReplicationMessageDescriptor.HEADER_LENGTH);
            // a second hello, refused too: the control stream is ordered, so the acknowledgement was read before it
            offer(fake, control, message, ReplicationMessageDescriptor.putHello(message, 0, 2_000, 43, 0,
                    "aeron:udp?endpoint=127.0.0.1:9"));
            awaitTrue(() -> {
                fake.invoke();
                String failure = primary.status().failure();
                return failure != null && failure.contains("seq 2000");
            }, "the primary refused the second hello");
            assertNotAnswered(journaled, primary);
        }
    }

    /**
     * A refusal the standby cannot receive (its channel never connects: it died, or its port is closed to the
     * primary) waits for its next hello; meanwhile the sender thread, which also runs the media driver, idles like
     * any other. It counted each failed offer as work instead, so its idle strategy never parked: a core spent
     * until another standby said hello.
     */
    @Test
    void aRefusalThatCannotGoOutLetsTheSenderIdle() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary);
             AeronTransport own = AeronTransport.start(null, null, "review-sender");
             AeronTransport fake = AeronTransport.start(null, null, "review-fake")) {
            stock(journaled.engine(), 10);
            OneToOneRingBuffer ring = new OneToOneRingBuffer(new UnsafeBuffer(
                    ByteBuffer.allocateDirect((64 << 10) + RingBufferDescriptor.TRAILER_LENGTH)));
            PrimarySender sender = new PrimarySender(primary, own, Endpoint.parse("127.0.0.1:0", "listen"), primaryDir,
                    ring, "term-length=65536", SystemNanoClock.INSTANCE, time -> { });
            try {
                ExclusivePublication control = fake.aeron().addExclusivePublication(
                        Endpoint.parse(sender.resolvedEndpoint(), "p").channel(""),
                        ReplicationMessageDescriptor.CONTROL_STREAM);
                UnsafeBuffer hello = new UnsafeBuffer(new byte[256]);
                // a standby ahead of the primary, on a channel nobody receives on: refused, the refusal never goes out
                int length = ReplicationMessageDescriptor.putHello(hello, 0, 1_000, 42, 0,
                        "aeron:udp?endpoint=127.0.0.1:9");
                boolean[] sent = new boolean[1];
                awaitTrue(() -> {
                    fake.invoke();
                    own.invoke();
                    sent[0] = sent[0] || control.offer(hello, 0, length) > 0;
                    sender.doWork();
                    return sender.failure() != null;
                }, "the sender refused the standby");
                for (int i = 0; i < 100; i++) {
                    own.invoke();
                    assertEquals(0, sender.doWork(), "duty cycle " + i + " with nothing to do but a refusal to offer");
                }
            } finally {
                sender.onClose();
            }
        }
    }

    private static void offer(AeronTransport fake, ExclusivePublication publication, UnsafeBuffer message,
                              int length) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (publication.offer(message, 0, length) < 0) {
            assertTrue(System.nanoTime() < deadline, "the fake message went out");
            fake.invoke();
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }

    /** A purchase no standby journaled is not answered by a SYNC+WAIT primary: its engine stops instead. */
    private static void assertNotAnswered(JournaledEngine journaled, Primary primary) {
        CompletableFuture<Outcome> answer = journaled.engine().submit(new Command.Purchase(77_777, 1, 1, WAREHOUSE, 1));
        try {
            Outcome outcome = answer.join();
            fail("seq " + outcome.sequence() + " was answered in SYNC+WAIT though no standby journaled it; "
                    + "the primary's acknowledged seq is " + primary.status().peerSequence());
        } catch (CompletionException expected) {
            // the engine stopped: nothing unreplicated is acknowledged
        }
    }
}
