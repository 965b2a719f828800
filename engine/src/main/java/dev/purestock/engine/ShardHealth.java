package dev.purestock.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Whether a shard still acknowledges commands. The first failure that may leave the shard's state or
 * journal inconsistent records the ring position it happened at; every stage then treats that slot and
 * all later ones as failed (stage 2 skips them, stage 3 answers them with the failure), while the ring
 * keeps moving so that every caller is answered. Slots before the failure were made durable by every
 * stage and are acknowledged as usual.
 */
final class ShardHealth {
    private static final Logger LOG = LoggerFactory.getLogger(ShardHealth.class);

    private final int shard;
    private final Intake intake;
    private volatile long failedAt = Long.MAX_VALUE;
    private volatile EngineStoppedException failure;
    /** Whether {@link #failure} stopped only the intake ({@link #stopIntake}): no slot has failed yet. */
    private boolean intakeOnly;
    /**
     * The durability stages told when the intake stops ({@link DurabilityStage#onIntakeStopped}) and when a failure
     * stops the shard ({@link DurabilityStage#onShardStopped}).
     */
    private final List<DurabilityStage> told = new CopyOnWriteArrayList<>();
    /**
     * What {@link #stopIntake} and {@link #fail} stop with when building their message throws (memory running out, a
     * cause whose {@code toString} throws): built beforehand, so that the stop itself needs nothing that could fail.
     * Each is used once at most, and takes its cause then.
     */
    private final EngineStoppedException undescribedIntakeStop;
    private final EngineStoppedException undescribedFailure;

    ShardHealth(int shard, Intake intake) {
        this.shard = shard;
        this.intake = intake;
        undescribedIntakeStop = new EngineStoppedException("purestock shard " + shard + " stopped: a failure that "
                + "left the state and the journal whole stopped its intake, and describing it failed (see the cause); "
                + "the commands it had taken are still decided, journaled and answered, later submissions are refused");
        undescribedFailure = new EngineStoppedException("purestock shard " + shard + " stopped: a pipeline stage "
                + "failed, and describing it failed (see the cause); nothing from there on was acknowledged, but a "
                + "command failed with this may have been journaled all the same (restart, then look it up by its "
                + "order id in the read model, or resubmit it: its order id makes a repeat idempotent); later "
                + "submissions are refused");
    }

    /** Tells {@code stage} when the intake stops, and when a failure stops the shard. */
    void tell(DurabilityStage stage) {
        told.add(stage);
    }

    /** Whether the slot at {@code ringSequence} comes at or after a failure. */
    boolean failedAtOrBefore(long ringSequence) {
        return failedAt <= ringSequence;
    }

    /** The failure, or {@code null} while healthy. */
    EngineStoppedException failure() {
        return failure;
    }

    /**
     * A close that timed out answered every slot from {@code ringSequence} on itself: the stages skip them as
     * they skip slots after a failure (nothing more is decided or handed to a durability stage), but no failure
     * is recorded and intake is not stopped (it is closed).
     */
    synchronized void abandonFrom(long ringSequence) {
        if (ringSequence < failedAt) {
            failedAt = ringSequence;
        }
    }

    /**
     * Stops the engine's intake for a failure that left the state and the journal whole (the read model's): later
     * submissions are refused with it, but no slot is marked failed, so the commands already taken are still
     * decided, made durable and answered. Each durability stage is told ({@link DurabilityStage#onIntakeStopped}); one
     * that throws, even an {@link Error}, is logged, and the others are told all the same. A failure recorded before is
     * the one reported, and nothing more is told. The intake stops even when describing the failure throws (memory
     * running out, a cause whose {@code toString} throws): with a failure prepared beforehand that says so.
     *
     * @param what what failed, as a phrase ("updating the read model after command sequence 7")
     */
    synchronized void stopIntake(String what, Throwable cause) {
        if (failure == null) {
            EngineStoppedException stopped;
            try {
                stopped = new EngineStoppedException("purestock shard " + shard + " stopped: " + what + " failed ("
                        + cause + "); the commands it had taken are still decided, journaled and answered, later "
                        + "submissions are refused", cause);
            } catch (Throwable e) {
                // an Error too: the intake stops all the same, or later commands would be taken that the read model
                // no longer shows
                stopped = undescribed(undescribedIntakeStop, cause);
            }
            failure = stopped;
            intake.stop(stopped);
            intakeOnly = true;
            log(stopped, cause);
            for (DurabilityStage stage : told) {
                try {
                    stage.onIntakeStopped(stopped);
                } catch (Throwable e) {
                    // an Error too (memory running out, as the read model's may have): this runs on the completion
                    // thread, answering the command the read model failed on, which stands and is answered as usual
                    LOG.error("telling a durability stage that shard {} takes no more commands failed", shard, e);
                }
            }
        }
    }

    /**
     * Records a failure at a ring position and stops the engine's intake. A failure earlier in the ring
     * than one already recorded moves the mark back; the first cause recorded is the one reported, except that a
     * failure that only stopped the intake ({@link #stopIntake}) gives way to the first one that fails slots:
     * those slots are answered with what failed them. Nothing here throws: when describing the failure does (memory
     * running out, a cause whose {@code toString} throws), the shard stops with a failure prepared beforehand that
     * says so, since a stage whose call of this threw would take the Disruptor's thread down.
     *
     * @param ringSequence    the ring position of the failed slot
     * @param commandSequence the failed command's sequence, or a negative value when it had none
     * @param what            what failed, as a phrase ("the journal", "applying the events")
     */
    synchronized void fail(long ringSequence, long commandSequence, String what, Throwable cause) {
        if (ringSequence >= failedAt) {
            return;
        }
        boolean first = failure == null || intakeOnly;
        if (first) {
            EngineStoppedException intakeStop = intakeOnly ? failure : null;
            intakeOnly = false;
            EngineStoppedException stopped;
            try {
                String at = commandSequence >= 0 ? " on command sequence " + commandSequence : "";
                stopped = new EngineStoppedException("purestock shard " + shard + " stopped: " + what + " failed" + at
                        + " (" + cause + "); nothing from there on was acknowledged, but a command failed with this "
                        + "may have been journaled all the same (restart, then look it up by its order id in the read "
                        + "model, or resubmit it: its order id makes a repeat idempotent); later submissions are "
                        + "refused", cause);
            } catch (Throwable e) {
                // an Error too: the shard stops all the same, or the stage that failed would end its thread here
                stopped = undescribed(undescribedFailure, cause);
            }
            failure = stopped;
            // this shard's stop of the intake alone no longer says what happened: refusals give this failure now
            intake.replace(intakeStop, stopped);
            log(stopped, cause);
        }
        // marked before the stages are told, after the failure the slots are answered with is set
        failedAt = ringSequence;
        if (first) {
            for (DurabilityStage stage : told) {
                try {
                    stage.onShardStopped(failure);
                } catch (Throwable e) {
                    // an Error too: the slots from the failure on are marked whatever a stage does when told
                    LOG.error("telling a durability stage that shard {} stopped failed", shard, e);
                }
            }
        }
    }

    /** {@code prepared}, its cause set to {@code cause}. */
    private static EngineStoppedException undescribed(EngineStoppedException prepared, Throwable cause) {
        try {
            prepared.initCause(cause);
        } catch (RuntimeException e) {
            // used once, so refused only for a cause that is the prepared failure itself: it stays without one
        }
        return prepared;
    }

    /** Logs {@code failure}; a log that throws (an Error too) changes nothing about the stop, already made. */
    private void log(EngineStoppedException failure, Throwable cause) {
        try {
            LOG.error(failure.getMessage(), cause);
        } catch (Throwable e) {
            // nothing left to tell it with: the failure is in every answer and refusal from here on
        }
    }
}
