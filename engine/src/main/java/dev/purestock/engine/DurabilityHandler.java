package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stage 2: hands each decided command to a {@link DurabilityStage}. The journal and replication run as
 * two instances in parallel, each on its own thread.
 *
 * <p>The stage must learn where a batch ends so it can group its I/O, but the last slot of a batch may be
 * a control slot or a slot after a failure, which the stage never sees. So the handler holds each command
 * back until the next one arrives or the batch ends, and delivers it then with the right
 * {@code endOfBatch}. The Disruptor publishes this handler's progress only after the whole batch, so no
 * held command is ever counted as passed before the stage has it.
 *
 * <p>A stage may make a batch durable only at its end (a sync per batch), so when it fails, every command
 * it took since its last completed batch is treated as failed, not only the one it failed on: none of
 * them has been acknowledged yet, and none of them may be.
 */
abstract sealed class DurabilityHandler implements EventHandler<CommandSlot>
        permits JournalHandler, ReplicationHandler {
    private static final Logger LOG = LoggerFactory.getLogger(DurabilityHandler.class);
    private static final long NO_BATCH = -1;

    private final String role;
    private final int shard;
    private final StageRole stageRole;
    private final ShardHealth health;
    private final DurabilityStage stage;
    private final ShardCounters.Durability times;
    /** Whether the stage's thread ran: it then closes the stage as it stops ({@link #onShutdown}). */
    private volatile boolean started;
    private CommandSlot held;
    private long heldRingSequence;
    private long batchStartRingSequence = NO_BATCH;
    /** When the call before the next one returned, or the batch began: the next call's start (nanoTime). */
    private long lastMark;

    DurabilityHandler(String role, int shard, StageRole stageRole, ShardHealth health, DurabilityStage stage,
                      ShardCounters.Durability times) {
        this.times = times;
        this.role = role;
        this.shard = shard;
        this.stageRole = stageRole;
        this.health = health;
        this.stage = stage;
    }

    @Override
    public final void onStart() {
        started = true;
        StageThreads.begin(shard, stageRole);
    }

    @Override
    public final void onEvent(CommandSlot slot, long ringSequence, boolean endOfBatch) {
        if (slot.request.kind == CommandSlot.Kind.COMMAND && slot.decision.sequenced
                && !health.failedAtOrBefore(ringSequence)) {
            deliverHeld(false);
            held = slot;
            heldRingSequence = ringSequence;
        }
        if (endOfBatch) {
            deliverHeld(true);
        }
    }

    private void deliverHeld(boolean endOfBatch) {
        CommandSlot slot = held;
        held = null;
        if (slot == null || health.failedAtOrBefore(heldRingSequence)) {
            if (endOfBatch) {
                endBatchWithoutItsLastCommand();
            }
            return;
        }
        CommandSlot.Decision decision = slot.decision;
        if (batchStartRingSequence == NO_BATCH) {
            batchStartRingSequence = heldRingSequence;
            lastMark = System.nanoTime();
        }
        try {
            stage.onDecided(decision.sequence, decision.time, slot.request, decision.events, endOfBatch);
            timed(endOfBatch);
            if (endOfBatch) {
                batchStartRingSequence = NO_BATCH;
            }
        } catch (Throwable e) {
            long unfinishedFrom = batchStartRingSequence;
            batchStartRingSequence = NO_BATCH;
            health.fail(unfinishedFrom, decision.sequence, role, e);
        }
    }

    /**
     * A failure elsewhere moved the shard's stop to or before the command this handler held back: the stage
     * still learns that the batch ended, since the commands it received before the failure are acknowledged.
     */
    private void endBatchWithoutItsLastCommand() {
        if (batchStartRingSequence == NO_BATCH) {
            return;
        }
        long unfinishedFrom = batchStartRingSequence;
        batchStartRingSequence = NO_BATCH;
        try {
            stage.onEndOfBatch();
            lastMark = System.nanoTime(); // not timed: a call carrying no command, and the timings count commands
        } catch (Throwable e) {
            health.fail(unfinishedFrom, -1, role, e);
        }
    }

    /**
     * Records how long the call that just returned took: the calls of a batch follow each other, so one clock
     * read per call times each of them.
     */
    private void timed(boolean endOfBatch) {
        long now = System.nanoTime();
        (endOfBatch ? times.sync : times.append).record(now - lastMark);
        lastMark = now;
    }

    /**
     * Closes the stage on its own thread, once, when the thread stops after the last slot it will see: after a
     * drain, or, when a close ran out of time while this stage was busy (blocked in I/O), when it comes back, so
     * that no other thread closes a stage while it is still writing.
     */
    @Override
    public final void onShutdown() {
        try {
            stage.close();
        } catch (Throwable e) {
            // an Error too (an InternalError from a mapped file whose disk failed): when a build that could not start
            // closes its stages one after another, a throw here would leave the stages after this one open
            LOG.error("closing {} failed", role, e);
        }
    }

    /**
     * Closes the stage when its thread never ran (it could not be started, or its shard was never started), once
     * every thread that did run has stopped: a thread that ran closed the stage itself.
     */
    final void closeIfNeverStarted() {
        if (!started) {
            onShutdown();
        }
    }

    /** What the handler is, for messages. */
    final String role() {
        return role;
    }
}
