package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardDigest;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A standby's digest read together with the sequence it covers, while records go on arriving. */
class StandbyDigestTest {
    private static final int PURCHASES = 3_000;

    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * Each pair {@link Standby#digestWithSequence()} answers while purchases stream in names one state: the primary's
     * journal recovered up to that sequence has that digest. {@code digest()} and {@code lastSequence()} read one
     * after the other could name two states, a round apart.
     */
    @Test
    void eachDigestTakenWhileRecordsArriveIsTheJournalsStateAtItsSequence() throws Exception {
        List<ShardDigest> taken = new ArrayList<>();
        long last;
        try (Primary primary = Primary.builder(primaryDir).listen("localhost:0").start();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start();
             JournaledEngine journaled = ReplicationTest.engineWithoutTimer(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            ReplicationTest.stock(engine, PURCHASES);
            List<CompletableFuture<?>> answers = new ArrayList<>();
            for (int i = 0; i < PURCHASES; i++) {
                answers.add(engine.submit(new Command.Purchase(10_000 + i, i % 97,
                        1 + i % ReplicationTest.SKUS, ReplicationTest.WAREHOUSE, 1)));
                if (i % 50 == 0) {
                    taken.add(standby.digestWithSequence());
                }
            }
            last = engine.submit(new Command.Purchase(1, 1, 1, ReplicationTest.WAREHOUSE, 1)).join().sequence();
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).join();
            assertTrue(standby.awaitSequence(last, ReplicationTest.WAIT), "the standby caught up");
            taken.add(standby.digestWithSequence());
        }
        assertEquals(last, taken.get(taken.size() - 1).lastSequence(), "the last digest covers every record");
        ShardDigest previous = null;
        for (ShardDigest digest : taken) {
            if (previous != null && previous.lastSequence() == digest.lastSequence()) {
                assertEquals(previous.digest(), digest.digest(), "one sequence, one state");
                continue;
            }
            assertEquals(0, digest.shard());
            long expected = -1 == digest.lastSequence() ? StateDigest.of(new PrimitiveInventoryStore())
                    : recoveredDigest(digest.lastSequence());
            assertEquals(StateDigest.format(expected), digest.stateHash(), "the state at seq " + digest.lastSequence());
            previous = digest;
        }
    }

    private long recoveredDigest(long sequence) {
        RecoveredState state = JournalRecovery.recoverUntil(primaryDir, sequence, Long.MAX_VALUE, false,
                PrimitiveInventoryStore::new, ReplayProgress.NONE);
        assertEquals(sequence + 1, state.nextSequence(), "the journal holds seq " + sequence);
        return StateDigest.of(state.store());
    }
}
