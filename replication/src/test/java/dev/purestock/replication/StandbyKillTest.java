package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalVerifier;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static dev.purestock.replication.ReplicationTest.WAREHOUSE;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A standby in a child JVM, killed with SIGKILL and restarted on its directory: once mid-catch-up, then several times
 * while producers keep buying from a {@code SYNC} primary that degrades without it. The last one catches up and its
 * journal is the primary's, byte for byte, with the same state digest.
 */
class StandbyKillTest {
    static final Duration TIMEOUT = Duration.ofMillis(300);
    static final Duration WAIT = Duration.ofSeconds(60);
    static final int LIVE_KILLS = 3;
    static final int PAUSE_AT = 1_000;

    @TempDir
    Path work;
    private final Path aeronBase = ChildJvm.aeronBase("standby-kill-test");

    @AfterEach
    void removeTheKilledDriversDirectories() throws IOException {
        ChildJvm.deleteTree(aeronBase);
    }

    @Test
    void aStandbyKilledMidCatchUpAndUnderLoadCatchesUpToThePrimarysBytesAndDigest() throws Exception {
        long seed = Long.getLong("purestock.kill.seed", System.nanoTime());
        System.out.printf("standby kills: seed %d (-Dpurestock.kill.seed=%d)%n", seed, seed);
        SplittableRandom random = new SplittableRandom(seed);
        Path primaryDir = work.resolve("primary");
        Path standbyDir = work.resolve("standby");
        Files.createDirectories(aeronBase);
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).fallback(SyncFallback.DEGRADE)
                .syncTimeout(TIMEOUT).driverBase(aeronBase).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            stock(engine, 1_000_000);
            long backlog = purchases(engine, 1, 6_000).sequence();

            try (ChildJvm standby = startStandby(primary, standbyDir, 0, PAUSE_AT)) {
                long pausedAt = Long.parseLong(standby.awaitMessage("paused ", WAIT));
                standby.kill();
                assertTrue(pausedAt < backlog, "killed mid-catch-up: at seq " + pausedAt + " of " + backlog);
            }
            long held = Journals.raw(standbyDir).size() - 1;
            assertTrue(held >= PAUSE_AT && held < backlog, "the killed standby's journal ends at seq " + held
                    + ", mid-catch-up to " + backlog);
            Journals.assertPrefix(primaryDir, standbyDir, (int) held + 1);

            Producers producers = Producers.start(engine, 2, 100_000);
            try {
                for (int kill = 1; kill <= LIVE_KILLS; kill++) {
                    long killedAt;
                    try (ChildJvm standby = startStandby(primary, standbyDir, kill, -1)) {
                        long startedAt = Long.parseLong(standby.awaitMessage("started ", WAIT));
                        long target = primary.status().lastSequence();
                        standby.send("await " + target);
                        long reached = Long.parseLong(standby.awaitMessage("at ", WAIT));
                        assertTrue(reached >= target, "the restarted standby (from seq " + startedAt
                                + ") caught up with seq " + target + ": it holds " + reached);
                        if (target - startedAt >= 400) {
                            // it caught up (thousands of records, as a rule): it cuts a snapshot before it is killed
                            standby.send("snapshot " + (target - 200));
                            String answer = standby.awaitMessage("snapshot ", WAIT);
                            assertTrue(Long.parseLong(answer.split(" ")[0]) >= target - 200,
                                    "the restarted standby cut a snapshot: " + answer);
                        }
                        int delayMicros = random.nextInt(50_000);
                        // the fault's timing: where the kill lands among the live records, not a wait for anything
                        TimeUnit.MICROSECONDS.sleep(delayMicros);
                        standby.kill();
                        killedAt = Journals.raw(standbyDir).size() - 1;
                        System.out.printf("standby kill %d: restarted at seq %d, caught up with %d, killed %d us "
                                + "later at seq %d%n", kill, startedAt, target, delayMicros, killedAt);
                    }
                    Journals.assertPrefix(primaryDir, standbyDir, (int) killedAt + 1);
                    // the primary goes on without its standby: after the timeout it degrades and answers
                    engine.submit(new Command.Purchase(900_000 + kill, 1, 1, WAREHOUSE, 1)).join();
                }
            } finally {
                producers.stop();
            }
            assertTrue(primary.status().degradations() >= 1, primary.status().describe());

            long last = primary.status().lastSequence();
            try (ChildJvm standby = startStandby(primary, standbyDir, LIVE_KILLS + 1, -1)) {
                standby.awaitMessage("started ", WAIT);
                standby.send("await " + last);
                long reached = Long.parseLong(standby.awaitMessage("at ", WAIT));
                assertTrue(reached >= last, "the last standby caught up with seq " + last + ": it holds " + reached);
                assertEquals(0, standby.awaitExitAfterInputClosed(WAIT), "the last standby closed cleanly");
            }
            long standbyLast = Journals.raw(standbyDir).size() - 1;
            Journals.assertPrefix(primaryDir, standbyDir, (int) last + 1);
            long standbyDigest = StateDigest.of(JournalRecovery.recoverWithoutSnapshots(standbyDir,
                    PrimitiveInventoryStore::new, ReplayProgress.NONE).store());
            long primaryDigest = StateDigest.of(JournalRecovery.recoverUntil(primaryDir, standbyLast, Long.MAX_VALUE,
                    false, PrimitiveInventoryStore::new, ReplayProgress.NONE).store());
            assertEquals(StateDigest.format(primaryDigest), StateDigest.format(standbyDigest),
                    "the standby's journal replays to the primary's state at seq " + standbyLast);
            RecoveredState fromSnapshot = JournalRecovery.recover(standbyDir, PrimitiveInventoryStore::new,
                    ReplayProgress.NONE);
            assertTrue(fromSnapshot.snapshotSequence() >= 0, "the standbies' snapshots, cut among the kills, are "
                    + "used: " + fromSnapshot.recoveredFrom());
            assertEquals(StateDigest.format(standbyDigest), StateDigest.format(StateDigest.of(fromSnapshot.store())),
                    "recovery from the standby's newest snapshot, cut among the kills, gives the same state");
            JournalVerifier.Result verified = JournalVerifier.verify(standbyDir, PrimitiveInventoryStore::new,
                    ReplayProgress.NONE);
            assertTrue(verified.matches(), verified.divergence());
            assertEquals(standbyLast + 1, verified.records());
        }
    }

    private ChildJvm startStandby(Primary primary, Path dir, int run, long pauseAfter) throws IOException {
        return ChildJvm.start(StandbyChild.class, work.resolve("standby-" + run + ".log"), dir.toString(),
                primary.endpoint(), aeronBase.resolve("standby-" + run).toString(), Long.toString(pauseAfter));
    }
}
