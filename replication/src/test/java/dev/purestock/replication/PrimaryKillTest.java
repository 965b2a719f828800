package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.StateDigest;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournaledEngine;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A primary in a child JVM, four producers buying scarce stock, killed with SIGKILL at a random point, many times,
 * a fresh pair each time; the standby runs in this JVM. After each kill the standby's journal holds every purchase
 * the primary acknowledged ({@code SYNC}), or the test counts and prints those it lacks ({@code ASYNC}); nothing is
 * oversold; the standby's state is a replay of its journal, which verifies; and the records both journals hold are
 * the same bytes. The kill points come from a seed, printed; {@code -Dpurestock.kill.seed=N} replays a run's points
 * (the children's threads still interleave as they will), and {@code -Dpurestock.kills=N} runs N {@code SYNC} kills
 * instead of 20, for a longer soak.
 */
class PrimaryKillTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final int SYNC_KILLS = Integer.getInteger("purestock.kills", 20);
    static final int ASYNC_KILLS = 3;

    @TempDir
    Path work;
    private final Path aeronBase = ChildJvm.aeronBase("primary-kill-test");

    @AfterEach
    void removeTheKilledDriversDirectories() throws IOException {
        ChildJvm.deleteTree(aeronBase);
    }

    @Test
    void everyPurchaseASyncPrimaryAcknowledgedBeforeSigkillIsInTheStandbysJournal() throws Exception {
        long acknowledged = 0;
        for (Killed killed : killPrimaries(ReplicationMode.SYNC, SYNC_KILLS)) {
            assertEquals(Set.of(), new TreeSet<>(killed.behind().keySet()),
                    "acknowledged purchases missing from the standby's journal after kill " + killed.kill());
            acknowledged += killed.acknowledged().size();
        }
        assertTrue(acknowledged > 0, "the primaries acknowledged purchases before they were killed");
    }

    @Test
    void anAsyncPrimaryKilledWithSigkillReportsHowManyAcknowledgedPurchasesItsStandbyLacked() throws Exception {
        for (Killed killed : killPrimaries(ReplicationMode.ASYNC, ASYNC_KILLS)) {
            // what the standby lacks is a tail of the primary's journal: the records it had not received yet
            for (Map.Entry<Long, Long> lacked : killed.behind().entrySet()) {
                assertTrue(lacked.getValue() > killed.standbyLast(), "acknowledged order " + lacked.getKey()
                        + " at seq " + lacked.getValue() + " is missing from the standby, which holds seq "
                        + killed.standbyLast());
            }
            assertTrue(killed.behind().size() <= killed.acknowledged().size());
        }
    }

    /** What one kill left: the acknowledged order ids, and of them those the standby lacks, with their sequences. */
    private record Killed(int kill, Set<Long> acknowledged, Map<Long, Long> behind, long standbyLast) {
    }

    /** One kill's child, started ahead (it waits for its standby), and where and when it is killed. */
    private record Round(int kill, ChildJvm child, Path primaryDir, Path standbyDir, int answeredBeforeKill,
                         int delayMicros) {
    }

    /**
     * Kills {@code kills} primaries, each on fresh directories with a fresh standby, and checks what each left; the
     * next child starts as soon as the last one is dead, so its JVM starts while this one checks the journals.
     */
    private List<Killed> killPrimaries(ReplicationMode mode, int kills) throws Exception {
        SplittableRandom random = seeded(mode.name());
        List<Killed> killed = new ArrayList<>();
        Round[] next = {start(mode, 1, random)};
        try {
            for (int kill = 1; kill <= kills; kill++) {
                Round round = next[0];
                int following = kill + 1;
                killed.add(killAndCheck(mode, round, () -> next[0] = following <= kills
                        ? start(mode, following, random) : null));
            }
        } finally {
            if (next[0] != null) {
                next[0].child().close();
            }
        }
        return killed;
    }

    private static SplittableRandom seeded(String mode) {
        long seed = Long.getLong("purestock.kill.seed", System.nanoTime());
        System.out.printf("%s primary kills: seed %d (-Dpurestock.kill.seed=%d)%n", mode, seed, seed);
        return new SplittableRandom(seed);
    }

    private Round start(ReplicationMode mode, int kill, SplittableRandom random) throws IOException {
        Path primaryDir = work.resolve(mode + "-" + kill + "-primary");
        Path driverBase = Files.createDirectories(aeronBase.resolve(mode + "-" + kill));
        ChildJvm child = ChildJvm.start(PrimaryChild.class, work.resolve(mode + "-" + kill + ".log"),
                primaryDir.toString(), mode.name(), driverBase.toString(), Long.toString(random.nextLong()));
        return new Round(kill, child, primaryDir, work.resolve(mode + "-" + kill + "-standby"), 1 + random.nextInt(400),
                random.nextInt(20_000));
    }

    /** What to do once the child is dead. */
    private interface AfterKill {
        void run() throws IOException;
    }

    /**
     * Starts the round's standby, lets its primary go, kills it once it answered a random number of purchases and a
     * random delay has passed, closes the standby and checks both journals.
     */
    private Killed killAndCheck(ReplicationMode mode, Round round, AfterKill afterKill) throws Exception {
        Path primaryDir = round.primaryDir();
        Path standbyDir = round.standbyDir();
        int kill = round.kill();
        int answeredBeforeKill = round.answeredBeforeKill();
        int delayMicros = round.delayMicros();
        Set<Long> acknowledged;
        long answered;
        Standby closedStandby;
        long began = System.nanoTime();
        long stocked;
        long killedAt;
        try (ChildJvm child = round.child()) {
            String endpoint = child.awaitMessage("endpoint ", WAIT);
            try (Standby standby = Standby.builder(standbyDir).primary(endpoint).start()) {
                closedStandby = standby;
                child.send("go");
                child.awaitMessage("stocked", WAIT);
                stocked = System.nanoTime();
                child.awaitAnswered(answeredBeforeKill, WAIT);
                // the fault's timing: where the kill lands among the producers' purchases, not a wait for anything
                TimeUnit.MICROSECONDS.sleep(delayMicros);
                child.kill();
                killedAt = System.nanoTime();
                afterKill.run();
            }
            acknowledged = child.acknowledged();
            answered = child.answered();
        }
        // the closed standby's state is as of its journal's end: its receiver has stopped
        List<JournalRecord> standbyRecords = Journals.decoded(standbyDir);
        List<JournalRecord> primaryRecords = Journals.decoded(primaryDir);
        Journals.assertNothingOversold(standbyRecords);
        Journals.assertNothingOversold(primaryRecords);
        long verified = Journals.assertStateIsAReplayOfItsJournal(closedStandby);
        assertEquals(standbyRecords.size(), verified);

        // the standby may hold records the primary decided and sent but had not journaled when it died (never
        // acknowledged), or lack ones it journaled but never sent; the records both hold are the same bytes
        List<byte[]> primaryBytes = Journals.raw(primaryDir);
        List<byte[]> standbyBytes = Journals.raw(standbyDir);
        for (int i = 0; i < Math.min(primaryBytes.size(), standbyBytes.size()); i++) {
            assertArrayEquals(primaryBytes.get(i), standbyBytes.get(i), "record " + i + " differs");
        }

        Map<Long, Long> onPrimary = Journals.acceptedPurchases(primaryRecords);
        Set<Long> notJournaled = new TreeSet<>(acknowledged);
        notJournaled.removeAll(onPrimary.keySet());
        assertEquals(Set.of(), notJournaled, "acknowledged purchases missing from the primary's own journal");
        Set<Long> onStandby = new HashSet<>(Journals.acceptedPurchases(standbyRecords).keySet());
        Map<Long, Long> behind = new TreeMap<>();
        for (long id : acknowledged) {
            if (!onStandby.contains(id)) {
                behind.put(id, onPrimary.get(id));
            }
        }
        System.out.printf("%s kill %d: after %d answered + %d us (%d answered, %d acknowledged); primary journal "
                        + "ends at seq %d, standby at seq %d; acknowledged but not on the standby: %d (ms: %d to stock, %d to kill, %d to check)%n",
                mode, kill, answeredBeforeKill, delayMicros, answered, acknowledged.size(), primaryRecords.size() - 1,
                standbyRecords.size() - 1, behind.size(), millis(began, stocked), millis(stocked, killedAt),
                millis(killedAt, System.nanoTime()));
        // last, since it writes to the standby's journal: the standby, promoted, takes over
        assertPromotedStandbyTakesOver(standbyDir, closedStandby.digest(), standbyRecords.size());
        return new Killed(kill, acknowledged, behind, standbyRecords.size() - 1);
    }

    /**
     * The standby, promoted, takes over: its engine recovers the state the standby held (the digest of a replay of
     * its journal) and accepts the next command, in the new epoch, at the next sequence.
     */
    private static void assertPromotedStandbyTakesOver(Path standbyDir, long standbyDigest, long records) {
        try (JournalLock lock = JournalLock.acquire(standbyDir)) {
            assertEquals(1, JournalEpoch.promote(standbyDir).epoch());
        }
        try (JournaledEngine promoted = JournaledEngine.builder(standbyDir).start()) {
            assertEquals(StateDigest.format(standbyDigest), StateDigest.format(promoted.engine().digest(0).join()),
                    "the promoted engine's state");
            assertEquals(records, promoted.engine().submit(new Command.ListProduct(999, 0)).join().sequence());
        }
        assertEquals(1, Journals.decoded(standbyDir).getLast().epoch());
    }

    private static long millis(long from, long to) {
        return TimeUnit.NANOSECONDS.toMillis(to - from);
    }
}
