package dev.purestock.engine;

import com.lmax.disruptor.RingBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Closes an engine, once: stops intake, drains what was submitted (as long as it takes, or until a deadline),
 * answers what a drain that ran out of time left, and stops the stage threads. See
 * {@link PurestockEngine#close()} and {@link PurestockEngine#close(Duration)} for what callers are promised.
 */
final class EngineShutdown {
    /** How long past the timeout a bounded close waits for halted stage threads to stop. */
    static final long STOP_GRACE_NANOS = 1_000_000_000L;
    private static final Logger LOG = LoggerFactory.getLogger(EngineShutdown.class);
    /** How often a bounded drain looks whether the stages have answered everything. */
    private static final long DRAIN_POLL_NANOS = 100_000;

    private final Shard[] shards;
    private final Intake intake;
    private final RingPublisher publisher;
    private final ExpiryTimer expiry;
    private final StageThreads threads;
    /** Told each shard as {@link #abandon} builds its failure; throws in its place in tests, else {@code null}. */
    private final IntConsumer abandonFault;
    /** What {@link #abandon} answers a shard's callers with when their failure cannot be built. */
    private final EngineClosedException undescribed = new EngineClosedException("the purestock engine's close "
            + "timed out before this command was answered: the engine was closed without it being acknowledged (it "
            + "may still have reached the journal; after a restart, resubmit it: its order id makes a repeat "
            + "idempotent)");
    /**
     * The digests asked for and not answered yet. The completion stage answers a digest's slot, but the digest itself
     * may still wait for the snapshot thread (a write under way, the marks before it), which a close that returns
     * without the stages stopped leaves busy: such a close answers them ({@link #failDigestsLeft}).
     */
    private final Set<DigestRequest> digests = ConcurrentHashMap.newKeySet();
    private boolean closed;
    private boolean drained;

    EngineShutdown(Shard[] shards, Intake intake, RingPublisher publisher, ExpiryTimer expiry, StageThreads threads,
                   IntConsumer abandonFault) {
        this.abandonFault = abandonFault;
        this.shards = shards;
        this.intake = intake;
        this.publisher = publisher;
        this.expiry = expiry;
        this.threads = threads;
    }

    /** Keeps {@code request} until it is answered, for a close that returns before the stages stopped. */
    void track(DigestRequest request) {
        digests.add(request);
        request.result().whenComplete((digest, failure) -> digests.remove(request));
    }

    /**
     * Closes, waiting for the drain as long as it takes ({@code timeout} null) or at most {@code timeout}; a later
     * call returns what the first returned, once it has finished, and one without a bound after a drain that
     * timed out first waits for the stage threads to stop. Never called on a stage thread.
     *
     * @return whether everything submitted was answered by the stages (drained)
     */
    synchronized boolean close(Duration timeout) {
        if (closed) {
            if (timeout == null && !drained) {
                threads.joinAll(); // the stages a timed-out drain left busy come back, close their stages and stop
            }
            return drained;
        }
        closed = true;
        boolean bounded = timeout != null;
        long deadline = bounded ? System.nanoTime() + Math.min(Durations.saturatedNanos(timeout), Long.MAX_VALUE / 2)
                : 0;
        intake.close();
        boolean inTime = intake.awaitPublishers(bounded, deadline) && drainWithin(bounded, deadline);
        if (!inTime) {
            abandon(timeout);
        }
        expiry.stop();
        for (Shard shard : shards) {
            shard.disruptor().halt();
        }
        if (inTime) {
            // each durability stage closes itself as its thread stops, and the snapshot stage waits for a snapshot
            // being written: with a bound, a stage that takes longer (a hung disk) leaves the close unfinished, so a
            // journaled engine keeps its directory locked and a later close() waits for it
            if (bounded) {
                // halted stages wake and stop within microseconds, yet not in no time: they get a second beyond
                // the timeout, so that close(Duration.ZERO) on an idle engine still drains
                inTime = threads.joinUntil(Math.max(deadline, System.nanoTime() + STOP_GRACE_NANOS));
            } else {
                threads.joinAll();
            }
        }
        drained = inTime;
        if (!inTime) {
            failDigestsLeft(timeout);
        }
        return inTime;
    }

    /**
     * A bounded close returns without the stages stopped: the digests not answered yet wait for a snapshot thread
     * still busy (a write that hangs), which may never come back; they are answered now, as the callers the close
     * abandoned were, with an {@link EngineClosedException}. One answered meanwhile keeps its answer.
     */
    private void failDigestsLeft(Duration timeout) {
        if (digests.isEmpty()) {
            return;
        }
        EngineClosedException cause = new EngineClosedException("close(" + timeout + ") returned before this digest "
                + "was taken: the shard's snapshot thread, which takes it from its copy of the state, was still busy "
                + "(a snapshot write that had not ended, or the snapshots and digests waiting before this one); the "
                + "engine was closed without it");
        for (DigestRequest request : digests) {
            request.abandoned(cause);
        }
    }

    /**
     * Waits until every slot published so far is answered: without a bound, behind a barrier slot per shard; with
     * one, by watching each shard's completion stage finish answering up to the ring's cursor (a barrier would need
     * a free slot, and the ring may be full behind a stage that hangs).
     *
     * @return whether they were, before {@code deadline} when {@code bounded}
     */
    private boolean drainWithin(boolean bounded, long deadline) {
        if (!bounded) {
            List<CompletableFuture<Long>> barriers = new ArrayList<>(shards.length);
            for (Shard shard : shards) {
                CompletableFuture<Long> barrier = new CompletableFuture<>();
                publisher.control(shard, CommandSlot.Kind.BARRIER, barrier); // waits: not abandoned, no bound
                barriers.add(barrier);
            }
            barriers.forEach(CompletableFuture::join);
            return true;
        }
        // a park returns at once while the interrupt status is set: a close on a thread left interrupted would spin
        // through the drain. The interrupt is cleared for the parks and kept for the caller
        boolean interrupted = Thread.interrupted();
        try {
            for (Shard shard : shards) {
                RingBuffer<CommandSlot> ring = shard.ring();
                long published = ring.getCursor(); // every publisher has left the gate: all of it is published
                while (!shard.completion().answeredThrough(published)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    LockSupport.parkNanos(Math.min(left, DRAIN_POLL_NANOS));
                    interrupted |= Thread.interrupted();
                }
            }
            return true;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The drain ran out of time: publishers still waiting for ring space give up, and once none is left, every
     * slot a completion stage has not claimed is answered here with an {@link EngineClosedException}. Nothing here
     * throws: a throw would leave the shards after it unanswered and, before that, the stages never told to stop, so
     * that a later {@link PurestockEngine#close()} waited for them for ever. A shard whose failure cannot be built
     * (memory running out) is answered with {@link #undescribed}, built with the engine.
     */
    private void abandon(Duration timeout) {
        intake.abandon();
        for (Shard shard : shards) {
            shard.space().abandon(); // a publisher parked for ring space sees the abandon now, not after its park
        }
        intake.awaitPublishers(false, 0); // none waits for anything now: each publishes what it claimed and leaves
        for (Shard shard : shards) {
            EngineClosedException cause;
            try {
                if (abandonFault != null) {
                    abandonFault.accept(shard.index());
                }
                cause = new EngineClosedException("close(" + timeout + ") timed out before shard " + shard.index()
                        + " answered this command: the engine was closed without it being acknowledged (it may still "
                        + "have reached the journal; after a restart, resubmit it: its order id makes a repeat "
                        + "idempotent)");
            } catch (Throwable e) {
                cause = undescribed; // an Error too: the shard's callers are answered all the same
            }
            long answered = shard.completion().abandon(shard.ring(), cause); // answers every slot, whatever fails
            try {
                if (answered > 0) {
                    LOG.warn("close({}) timed out: shard {} had {} slots not yet answered; they were failed", timeout,
                            shard.index(), answered);
                }
            } catch (Throwable e) {
                // nothing left to tell it with: every caller has its answer
            }
        }
    }
}
