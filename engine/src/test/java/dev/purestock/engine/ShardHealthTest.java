package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a shard's failures leave the engine's intake refusing with. */
class ShardHealthTest {
    @Test
    void aFailureOfSlotsAfterTheSameShardStoppedOnlyTheIntakeIsWhatRefusalsGive() {
        Intake intake = new Intake();
        ShardHealth health = new ShardHealth(0, intake);

        health.stopIntake("updating the read model with command sequence 1", new IllegalStateException("broke"));
        health.fail(3, 3, "the journal", new IOException("disk full"));

        assertSame(health.failure(), intake.stopped());
        String refusedWith = intake.stopped().getMessage();
        assertTrue(refusedWith.contains("the journal failed on command sequence 3")
                && refusedWith.contains("nothing from there on was acknowledged"), refusedWith);
    }

    @Test
    void anotherShardsFailureRecordedFirstStaysWhatRefusalsGive() {
        Intake intake = new Intake();
        ShardHealth first = new ShardHealth(0, intake);
        ShardHealth second = new ShardHealth(1, intake);

        first.fail(5, 5, "the journal", new IOException("disk full"));
        second.stopIntake("updating the read model with command sequence 1", new IllegalStateException("broke"));
        second.fail(3, 3, "the replication", new IOException("replica gone"));

        assertSame(first.failure(), intake.stopped());
    }
}
