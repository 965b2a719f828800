package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.purestock.engine.EngineFixtures.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code Builder.onStageThreadStart}: called once on every stage thread, with its shard and role, before
 * {@code build()} returns; a listener that throws fails {@code build()} and leaves no thread running.
 */
class StageThreadListenerTest {

    /** One call of the listener: where it ran and what it was told. */
    private record Start(int shard, StageRole role, String thread) {
    }

    @Test
    void everyStageThreadIsAnnouncedOnceOnItselfWithItsShardAndRole() {
        List<Start> starts = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().shards(2)
                .journal(shard -> new InMemoryJournal())
                .replication(shard -> new InMemoryJournal())
                .snapshotWriter(shard -> (lastSequence, time, store) -> {
                })
                .expireReservationsEvery(Duration.ofHours(1))
                .onStageThreadStart((shard, role) -> starts.add(new Start(shard, role, Thread.currentThread().getName())))
                .build()) {
            List<Start> expected = new ArrayList<>();
            for (int shard = 0; shard < 2; shard++) {
                for (StageRole role : List.of(StageRole.DECIDE, StageRole.JOURNAL, StageRole.REPLICATE, StageRole.APPLY,
                        StageRole.SNAPSHOT, StageRole.COMPLETE)) {
                    expected.add(new Start(shard, role, "purestock-shard-" + shard + "-"
                            + role.name().toLowerCase(java.util.Locale.ROOT)));
                }
            }
            expected.add(new Start(StageThreadListener.ALL_SHARDS, StageRole.EXPIRE_RESERVATIONS,
                    "purestock-expire-reservations"));
            assertEquals(sorted(expected), sorted(starts), "build() returned after every thread was announced");
            assertTrue(engine.submit(list(1)).join().accepted(), "the engine runs");
        }
    }

    @Test
    void onlyConfiguredStagesAreAnnounced() {
        List<Start> starts = new CopyOnWriteArrayList<>();
        try (PurestockEngine engine = PurestockEngine.builder().expireReservationsEvery(Duration.ZERO)
                .onStageThreadStart((shard, role) -> starts.add(new Start(shard, role, Thread.currentThread().getName())))
                .build()) {
            assertEquals(List.of(new Start(0, StageRole.COMPLETE, "purestock-shard-0-complete"),
                    new Start(0, StageRole.DECIDE, "purestock-shard-0-decide")), sorted(starts));
        }
    }

    @Test
    void aListenerThatThrowsFailsBuildAndLeavesNoThreadRunning() {
        List<Thread> announced = new CopyOnWriteArrayList<>();
        IllegalStateException bug = new IllegalStateException("no such core");
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> PurestockEngine.builder()
                .journal(shard -> new InMemoryJournal())
                .onStageThreadStart((shard, role) -> {
                    announced.add(Thread.currentThread());
                    if (role == StageRole.JOURNAL) {
                        throw bug;
                    }
                })
                .build());
        assertEquals("the stage thread listener (Builder.onStageThreadStart) threw on purestock-shard-0-journal: "
                + bug + "; the engine was closed and not built", failed.getMessage());
        assertSame(bug, failed.getCause());
        assertEquals(4, announced.size(), "decide, journal, complete and the expiry timer all started");
        for (Thread thread : announced) {
            assertFalse(thread.isAlive(), thread.getName() + " was stopped before build() threw");
        }
    }

    /**
     * {@code build()} closes the engine whose listener threw before it throws; a close that threw there too (an
     * {@link Error} as it ends) replaced the listener's failure, so the caller learned why the close failed and not
     * why the build did. The build's failure is thrown, with the close's suppressed in it.
     */
    @Test
    void aCloseThatThrowsAfterTheListenerThrewKeepsTheListenersFailure() {
        IllegalStateException bug = new IllegalStateException("no such core");
        StackOverflowError closeFailed = new StackOverflowError();
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> PurestockEngine.builder()
                .onStageThreadStart((shard, role) -> {
                    if (role == StageRole.DECIDE) {
                        throw bug;
                    }
                })
                .closeFault(() -> {
                    throw closeFailed;
                })
                .build());
        assertSame(bug, failed.getCause(), "the listener's failure is what build() throws");
        assertEquals(List.of(closeFailed), List.of(failed.getSuppressed()), "the close's failure is kept in it");
    }

    private static List<Start> sorted(List<Start> starts) {
        List<Start> copy = new ArrayList<>(starts);
        copy.sort((a, b) -> a.thread().compareTo(b.thread()));
        return copy;
    }
}
