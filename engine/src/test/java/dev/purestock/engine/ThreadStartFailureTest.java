package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static dev.purestock.engine.EngineFixtures.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A thread the JVM cannot start while {@code build()} starts the engine (an {@link OutOfMemoryError}, "unable to
 * create native thread"): {@code build()} stops what it started, closes every durability stage once, and throws
 * naming what could not start, so that a second build on the same storage works.
 */
class ThreadStartFailureTest {
    private static final OutOfMemoryError NO_NATIVE_THREAD = new OutOfMemoryError(
            "unable to create native thread: possibly out of memory or process/resource limits reached");

    /**
     * A journal that holds its shard's storage while open, as a journal directory's lock does: a second one opened
     * on the same shard before the first was closed is refused.
     */
    private static class LockingJournal implements DurabilityStage {
        private final int shard;
        private final AtomicIntegerArray open;
        private final AtomicIntegerArray closes;

        LockingJournal(int shard, AtomicIntegerArray open, AtomicIntegerArray closes) {
            if (!open.compareAndSet(shard, 0, 1)) {
                throw new IllegalStateException("shard " + shard + "'s journal is still held by a journal not closed");
            }
            this.shard = shard;
            this.open = open;
            this.closes = closes;
        }

        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
        }

        @Override
        public void close() {
            closes.incrementAndGet(shard);
            open.set(shard, 0);
        }
    }

    @Test
    void aStageThreadThatCannotStartStopsTheShardsStartedBeforeItAndReleasesEveryJournal() {
        int shards = 3;
        AtomicIntegerArray open = new AtomicIntegerArray(shards);
        AtomicIntegerArray closes = new AtomicIntegerArray(shards);
        List<Thread> started = new CopyOnWriteArrayList<>();
        AtomicInteger starts = new AtomicInteger();
        // each shard starts decide, journal and complete in turn: the fifth thread is shard 1's journal
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> PurestockEngine.builder()
                .shards(shards)
                .journal(shard -> new LockingJournal(shard, open, closes))
                .stageThreadStarting(thread -> {
                    if (starts.incrementAndGet() == 5) {
                        throw NO_NATIVE_THREAD;
                    }
                    started.add(thread);
                })
                .build());
        assertEquals("could not start the stage threads of shard 1 (" + NO_NATIVE_THREAD + "); the threads already "
                + "started were stopped and every durability stage closed, and the engine was not built",
                failed.getMessage());
        assertSame(NO_NATIVE_THREAD, failed.getCause());
        assertEquals(4, started.size(), "shard 0's three threads and shard 1's decision thread started");
        for (Thread thread : started) {
            assertFalse(thread.isAlive(), thread.getName() + " was stopped before build() threw");
        }
        for (int shard = 0; shard < shards; shard++) {
            assertEquals(1, closes.get(shard), "shard " + shard + "'s journal was closed once");
        }

        try (PurestockEngine again = PurestockEngine.builder()
                .shards(shards)
                .journal(shard -> new LockingJournal(shard, open, closes))
                .build()) {
            assertTrue(again.submit(list(1)).join().accepted(), "a second build on the same journals runs");
        }
    }

    /**
     * The stages of a build that could not start its threads are closed one by one; a stage whose close threw an
     * {@link Error} (an {@link InternalError} as it flushes a mapped file whose disk failed) ended that loop, caught
     * for exceptions only, so every stage after it was left open (its journal locked, so a second build on it was
     * refused) and build() threw the Error instead of naming what could not start. The Error is logged and the other
     * stages are closed.
     */
    @Test
    void aStageWhoseCloseThrowsAnErrorAfterAThreadCouldNotStartLeavesNoOtherOpen() {
        int shards = 2;
        AtomicIntegerArray open = new AtomicIntegerArray(shards);
        AtomicIntegerArray closes = new AtomicIntegerArray(shards);
        InternalError closing = new InternalError("a fault occurred in an unsafe memory access operation");
        IllegalStateException failed = assertThrows(IllegalStateException.class, () -> PurestockEngine.builder()
                .shards(shards)
                .journal(shard -> new LockingJournal(shard, open, closes) {
                    @Override
                    public void close() {
                        super.close();
                        if (shard == 0) {
                            throw closing;
                        }
                    }
                })
                .stageThreadStarting(thread -> {
                    throw NO_NATIVE_THREAD;
                })
                .build());
        assertSame(NO_NATIVE_THREAD, failed.getCause(), "build() names what could not start");
        for (int shard = 0; shard < shards; shard++) {
            assertEquals(1, closes.get(shard), "shard " + shard + "'s journal was closed once");
        }
    }

    @Test
    void aSnapshotWriterThreadThatCannotStartFailsBuildInsteadOfHangingIt() {
        AtomicIntegerArray open = new AtomicIntegerArray(1);
        AtomicIntegerArray closes = new AtomicIntegerArray(1);
        List<Thread> started = new CopyOnWriteArrayList<>();
        // without the fix build() waited for ever for the writer thread to say it had started: fail, don't hang
        IllegalStateException failed = assertTimeoutPreemptively(Duration.ofSeconds(60), () ->
                assertThrows(IllegalStateException.class, () -> PurestockEngine.builder()
                        .journal(shard -> new LockingJournal(shard, open, closes))
                        .snapshotWriter(shard -> (lastSequence, time, store) -> {
                        })
                        .stageThreadStarting(thread -> {
                            if (thread.getName().equals("purestock-shard-0-snapshot")) {
                                throw NO_NATIVE_THREAD;
                            }
                            started.add(thread);
                        })
                        .build()));
        assertEquals("the stage thread purestock-shard-0-snapshot could not be started (" + NO_NATIVE_THREAD
                + "); the engine was closed and not built", failed.getMessage());
        assertSame(NO_NATIVE_THREAD, failed.getCause());
        for (Thread thread : started) {
            assertFalse(thread.isAlive(), thread.getName() + " was stopped before build() threw");
        }
        assertEquals(1, closes.get(0), "the journal was closed once");
    }
}
