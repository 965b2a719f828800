package dev.purestock.engine;

import dev.purestock.domain.RejectionReason;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What one shard has done since the engine started, and where its pipeline stands now: a live view, read from
 * any thread at any time (also after {@link PurestockEngine#close()}, when it stops changing). Each getter reads
 * the current value; the stage threads write them without locks and without allocating, so reading costs the
 * engine nothing. Counts are since this engine started, not since the journal began (a recovered engine starts
 * from zero). The engine's README says how to read each figure.
 *
 * <p>Ring positions (the capacity, backlog and lags) count slots: commands, and the few control slots
 * (snapshots, digests, the closing barrier) that pass the ring like commands.
 */
public final class ShardMetrics {
    /** Whether a shard takes commands. */
    public enum Health {
        /** It takes and acknowledges commands. */
        RUNNING,
        /**
         * A failure stopped it, or another shard and with it the engine's intake (see {@link #failureMessage()}): it
         * takes no more commands, and acknowledges none past its own failure (after a read-model failure, or another
         * shard's, the commands it had already taken are still answered).
         */
        STOPPED,
        /** The engine was closed. */
        CLOSED
    }

    private final int shard;
    private final ShardCounters counters;
    private final int ringSize;
    private final LongSupplier remainingCapacity;
    private final LongSupplier published;
    private final Map<StageRole, LongSupplier> passed;
    private final Map<StageRole, ShardCounters.Durability> durability;
    private final Set<StageRole> stages;
    private final ShardHealth health;
    private final Intake intake;
    private final LongSupplier callbackFailuresElsewhere;

    /**
     * @param published                 the last ring position published to the shard
     * @param passed                    for each wired stage, the last ring position it has passed
     * @param callbackFailuresElsewhere the shard's callbacks that threw off its completion thread (on the callback
     *                                  executor) or as failure callbacks
     */
    ShardMetrics(int shard, ShardCounters counters, int ringSize, LongSupplier remainingCapacity,
                 LongSupplier published, Map<StageRole, LongSupplier> passed,
                 Map<StageRole, ShardCounters.Durability> durability, ShardHealth health, Intake intake,
                 LongSupplier callbackFailuresElsewhere) {
        this.shard = shard;
        this.counters = counters;
        this.ringSize = ringSize;
        this.remainingCapacity = remainingCapacity;
        this.published = published;
        this.passed = new EnumMap<>(passed);
        this.durability = new EnumMap<>(durability);
        this.stages = Collections.unmodifiableSet(EnumSet.copyOf(passed.keySet()));
        this.health = health;
        this.intake = intake;
        this.callbackFailuresElsewhere = callbackFailuresElsewhere;
    }

    /** The shard's index. */
    public int shard() {
        return shard;
    }

    /**
     * Commands the decision stage has sequenced (given a sequence number); every one is counted as accepted or
     * rejected as it is decided, so once the shard is idle this is {@link #commandsAccepted()} plus
     * {@link #commandsRejected()}. The counts are of decisions, not of answers: a command that a failure of the shard
     * (a durability stage's, for its whole unfinished batch; applying its events) or a {@code close(timeout)} that ran
     * out of time then fails was counted all the same, though its caller got an {@link EngineStoppedException} or
     * {@link EngineClosedException}.
     */
    public long commandsSequenced() {
        return counters.decision.sequenced.get();
    }

    /** Sequenced commands decided without a rejection (see {@link #commandsSequenced()}: decided, not answered). */
    public long commandsAccepted() {
        return counters.decision.accepted.get();
    }

    /**
     * Sequenced commands decided with a rejection, counted once, by the reason of their first rejection (see
     * {@link #commandsSequenced()}: decided, not answered).
     */
    public long commandsRejected() {
        long total = 0;
        for (int code = 0; code < ShardCounters.Decision.REASON_CODES; code++) {
            total += counters.decision.rejectedFor(code);
        }
        return total;
    }

    /**
     * Sequenced commands whose first rejection was for {@code reason}; {@code 0} for a reason the engine never gives
     * (a service's own {@link RejectionReason}, whatever its code).
     */
    public long rejected(RejectionReason reason) {
        return counters.decision.rejectedFor(reason.code());
    }

    /** {@link #rejected(RejectionReason)} for every reason that occurred, by code. */
    public Map<RejectionReason, Long> rejectedByReason() {
        return EngineMetrics.byReason(this::rejected);
    }

    /** The slots of the shard's ring ({@code Builder.ringSize}). */
    public int ringSize() {
        return ringSize;
    }

    /**
     * The free slots of the ring right now: how many more commands may be submitted before a submitter waits (or
     * a {@code trySubmit} is refused with {@link SubmitResult#RING_FULL}).
     */
    public long ringRemainingCapacity() {
        return remainingCapacity.getAsLong();
    }

    /** The stages wired in this shard: always {@link StageRole#DECIDE} and {@link StageRole#COMPLETE}. */
    public Set<StageRole> stages() {
        return stages;
    }

    /**
     * How far {@code stage} is behind, in slots. For {@link StageRole#DECIDE}: the slots submitted that it
     * has not decided yet (the queue in front of the pipeline). For every later stage: the slots the decision
     * stage has passed that this stage has not passed yet. A stage that stays far behind while its lag grows is
     * the one that limits the shard; the completion stage's lag includes the lag of the stages before it.
     *
     * @throws IllegalArgumentException when the stage is not wired in this shard (see {@link #stages()})
     */
    public long lag(StageRole stage) {
        LongSupplier stagePassed = passed.get(stage);
        if (stagePassed == null) {
            throw new IllegalArgumentException("shard " + shard + " has no " + stage + " stage; it has " + stages);
        }
        LongSupplier decided = passed.get(StageRole.DECIDE);
        // the position behind is read first: the one ahead can only have moved further since
        long behind = stagePassed.getAsLong();
        long ahead = stage == StageRole.DECIDE ? published.getAsLong() : decided.getAsLong();
        return Math.max(0, ahead - behind);
    }

    /** How many slots each batch of the decision stage held: large batches mean the stage is catching up. */
    public Percentiles batchSizes() {
        return counters.decision.batchSizes.read();
    }

    /**
     * How long a durability stage ({@link StageRole#JOURNAL} or {@link StageRole#REPLICATE}) took to
     * take each command but the last of a batch, in nanoseconds: the append, without waiting for the disk.
     *
     * @throws IllegalArgumentException when {@code stage} is not a durability stage wired in this shard
     */
    public Percentiles appendLatency(StageRole stage) {
        return durability(stage).append.read();
    }

    /**
     * How long a durability stage took for the last command of each batch, in nanoseconds: its append and the
     * work that makes the whole batch durable (a journal's sync or flush). This is the latency a batch's callers
     * wait for the disk.
     *
     * @throws IllegalArgumentException when {@code stage} is not a durability stage wired in this shard
     */
    public Percentiles syncLatency(StageRole stage) {
        return durability(stage).sync.read();
    }

    private ShardCounters.Durability durability(StageRole stage) {
        ShardCounters.Durability times = durability.get(stage);
        if (times == null) {
            throw new IllegalArgumentException("shard " + shard + " has no " + stage + " durability stage; it has "
                    + durability.keySet());
        }
        return times;
    }

    /** Snapshots the shard's {@link SnapshotWriter} wrote (periodic and asked for). */
    public long snapshotsWritten() {
        return counters.snapshots.written.get();
    }

    /**
     * Snapshots that were not written: the writer threw, the snapshot copy could not be trusted or was given up at
     * {@link PurestockEngine.Builder#snapshotBacklogLimit}, or memory ran out as the snapshot stage kept the
     * snapshot's mark or handed it to the writer.
     */
    public long snapshotsFailed() {
        return counters.snapshots.failed.get();
    }

    /**
     * Periodic snapshots skipped for a later one: each fell due while two earlier ones still waited to be written
     * (snapshots asked for faster than they are written and caught up with; see
     * {@link PurestockEngine.Builder#snapshotEvery}).
     */
    public long snapshotsSkipped() {
        return counters.snapshots.skipped.get();
    }

    /**
     * Whether this shard's snapshots are unavailable until the engine is restarted: its snapshot stage gave its copy
     * of the state up, at {@link PurestockEngine.Builder#snapshotBacklogLimit} (a write that hangs), or dropped it
     * because applying events to it failed (memory running out). From then on every snapshot of the shard fails
     * (each counted in {@link #snapshotsFailed()}), while the shard goes on deciding and answering: its health stays
     * {@link Health#RUNNING}, but recovery replays the journal from the last snapshot written, longer with each
     * command. Restart the engine to resume snapshots, once the cause ({@link #snapshotsUnavailableReason()}) is
     * seen to. {@code false} for a shard without a snapshot stage. Set once, as the copy is dropped: reading it costs
     * the shard nothing.
     */
    public boolean snapshotsUnavailable() {
        return counters.snapshots.unavailableWhen() != null;
    }

    /**
     * Why this shard's snapshots are unavailable until a restart ({@link #snapshotsUnavailable()}): the shard, when
     * the copy was dropped, and the cause, which says what to see to before the restart; empty while they are
     * available.
     */
    public Optional<String> snapshotsUnavailableReason() {
        String when = counters.snapshots.unavailableWhen();
        if (when == null) {
            return Optional.empty();
        }
        return Optional.of(SnapshotHandler.unavailable(shard, when) + " (" + counters.snapshots.unavailableCause()
                + ")");
    }

    /** How long each snapshot written took its writer, in nanoseconds. */
    public Percentiles snapshotDuration() {
        return counters.snapshots.duration.read();
    }

    /**
     * Callbacks and consumers of this shard that threw and were isolated (logged; the shard went on): on its
     * completion thread, on the callback executor, or failure callbacks.
     */
    public long callbackFailures() {
        return counters.completion.callbackFailures.get() + callbackFailuresElsewhere.getAsLong();
    }

    /**
     * Whether the shard takes commands. A failure of another shard stops the engine's intake, so this one takes no
     * more either: {@link Health#STOPPED}, with that failure in {@link #failureMessage()}.
     */
    public Health health() {
        if (health.failure() != null || intake.stopped() != null) {
            return Health.STOPPED;
        }
        return intake.closed() ? Health.CLOSED : Health.RUNNING;
    }

    /** Why the shard stopped, when it did: its own failure, or the one that stopped the engine's intake. */
    public Optional<String> failureMessage() {
        EngineStoppedException failure = health.failure();
        if (failure == null) {
            failure = intake.stopped();
        }
        return failure == null ? Optional.empty() : Optional.of(failure.getMessage());
    }

    @Override
    public String toString() {
        return "ShardMetrics[shard=" + shard + ", sequenced=" + commandsSequenced() + ", accepted=" + commandsAccepted()
                + ", rejected=" + commandsRejected() + ", health=" + health() + "]";
    }
}
