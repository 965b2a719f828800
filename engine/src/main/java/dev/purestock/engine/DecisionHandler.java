package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import dev.purestock.domain.Command;
import dev.purestock.domain.DecisionScratch;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.NextDue;
import dev.purestock.domain.Reason;
import dev.purestock.domain.ReleasedHold;
import dev.purestock.domain.StateDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * Stage 1: the only writer of a shard's decision state. For each command it assigns the next gap-free
 * sequence, stamps the time (the clock, but never earlier than the previous command's time), asks the
 * pure domain to decide into the slot's preallocated {@link EventBuffer}, and applies the events to the store
 * from there, leaving them in the slot for the stages after it; it builds no event record. A command held as
 * its fields goes through the domain's field door ({@link Inventory#decidePurchase} and the like), so none is
 * built for it either. It performs no
 * I/O: for a snapshot it only marks the sequence the snapshot covers, and the snapshot stage
 * ({@link SnapshotHandler}) cuts it from its own copy of the state. So it does for a digest, where the shard has a
 * snapshot stage; where it has none, or its copy is gone ({@link ShardMetrics#snapshotsUnavailable()}), there is no
 * other state to walk, and this stage takes the digest from its own: the shard decides nothing while the walk lasts.
 *
 * <p>Over the engine's {@link PrimitiveInventoryStore}, the stage reads ahead in the ring, within the batch the
 * Disruptor hands it, and brings the places in the store the next commands will use into the cache first
 * ({@link WarmAhead}); that changes nothing the rules see.
 *
 * <p>A {@code decide} that throws changed nothing, so the command is answered with
 * {@link EngineRefusal#INTERNAL_ERROR} and the shard goes on. An {@code evolve} that throws may have left the
 * store half-changed, so the shard stops (see {@link ShardHealth}).
 */
final class DecisionHandler implements EventHandler<CommandSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionHandler.class);
    /** How long after a time command whose decide threw the next one is due, on the engine's clock (ms). */
    static final long RETRY_FAILED_TIME_COMMAND_MILLIS = 1_000;

    private final int shard;
    private final ShardHealth health;
    private final InventoryStore store;
    private final LongSupplier clock;
    private final ShardCounters.Decision counters;
    private long nextSequence;
    private long lastTime;
    private long batchSize;
    private final DueTimes dueTimes;
    /** Whether this stage keeps its shard's due time: only when something reads it ({@link DueTimes#kept}). */
    private final boolean keepsDueTimes;
    private final NextDue nextDue = new NextDue();
    /** When this shard's oldest orders fall due for forgetting. */
    private final ForgettingDue forgetting;
    /** The working room of this shard's time commands, which then allocate nothing ({@link DecisionScratch}). */
    private final DecisionScratch scratch = new DecisionScratch();
    /** Reads the next commands' places in the store ahead; {@code null} for a store it cannot read ahead. */
    private final WarmAhead warmAhead;
    /**
     * The counts of the shard's snapshot stage, which say whether its copy of the state is still kept up to date, and
     * so a digest can be taken from it; {@code null} for a shard without a snapshot stage.
     */
    private final ShardCounters.Snapshots snapshotStage;

    /**
     * The decision stage of shard {@code shard}, starting from {@code initial}; {@code slots} gives the ring's slot
     * at a ring sequence, for reading ahead within a batch.
     */
    DecisionHandler(int shard, ShardHealth health, ShardState initial, LongSupplier clock,
                    ShardCounters.Decision counters, DueTimes dueTimes, LongFunction<CommandSlot> slots) {
        this(shard, health, initial, clock, counters, dueTimes, slots, null);
    }

    /**
     * The decision stage of a shard whose snapshot stage counts in {@code snapshotStage} ({@code null}: none), which
     * takes digests from its copy of the state while that is kept up to date.
     */
    DecisionHandler(int shard, ShardHealth health, ShardState initial, LongSupplier clock,
                    ShardCounters.Decision counters, DueTimes dueTimes, LongFunction<CommandSlot> slots,
                    ShardCounters.Snapshots snapshotStage) {
        this.snapshotStage = snapshotStage;
        this.shard = shard;
        this.counters = counters;
        this.health = health;
        this.store = initial.store();
        this.nextSequence = initial.nextSequence();
        this.lastTime = initial.lastTime();
        this.clock = clock;
        this.dueTimes = dueTimes;
        this.keepsDueTimes = dueTimes.kept();
        this.forgetting = dueTimes.forgetting();
        this.warmAhead = store instanceof PrimitiveInventoryStore primitive ? new WarmAhead(slots, primitive) : null;
        if (keepsDueTimes) {
            // a recovered state may hold orders past their window already: they are due at once, with no spacing
            dueTimes.recomputed(shard,
                    onShardTime(Math.min(nextDue.of(store), forgetting.recomputed(store, Long.MIN_VALUE))));
        }
    }

    @Override
    public void onStart() {
        StageThreads.begin(shard, StageRole.DECIDE);
    }

    @Override
    public void onBatchStart(long batchSize, long queueDepth) {
        if (warmAhead != null) {
            warmAhead.batchStarting(batchSize);
        }
    }

    @Override
    public void onEvent(CommandSlot slot, long ringSequence, boolean endOfBatch) {
        if (warmAhead != null) {
            warmAhead.before(ringSequence);
        }
        batchSize++;
        if (endOfBatch) {
            counters.batchSizes.record(batchSize);
            batchSize = 0;
        }
        CommandSlot.Decision decision = slot.decision;
        decision.sequenced = false;
        if (health.failedAtOrBefore(ringSequence)) {
            return;
        }
        switch (slot.request.kind) {
            case COMMAND -> decide(slot.request, decision, ringSequence);
            case SNAPSHOT -> decision.controlResult = nextSequence - 1;
            case DIGEST -> digest((DigestRequest) slot.request.control, decision);
            case BARRIER -> {
            }
        }
    }

    /**
     * Marks where a digest belongs, after the last command decided, for the snapshot stage to take it from its copy
     * once that holds exactly the commands up to there. Where the shard has no copy (no snapshot stage, or one whose
     * copy was dropped), takes it here, from the decision state: the one walk of the whole state this stage makes,
     * for as long as it lasts. The snapshot stage reads the flag in the slot, after this stage passed it, so a copy
     * dropped meanwhile fails that digest alone ({@link SnapshotHandler}).
     */
    private void digest(DigestRequest request, CommandSlot.Decision decision) {
        long lastSequence = nextSequence - 1;
        decision.controlResult = lastSequence;
        String copyDropped = snapshotStage == null ? null : snapshotStage.unavailableWhen();
        decision.digestTaken = snapshotStage == null || copyDropped != null;
        if (!decision.digestTaken) {
            return;
        }
        if (copyDropped != null) {
            LOG.warn("shard {}: the digest after command sequence {} is taken on the decision thread, which decides "
                    + "nothing while it walks the state: the snapshot copy stopped being updated {}; restart the "
                    + "engine to take digests from a copy again", shard, lastSequence, copyDropped);
        }
        request.taken(lastSequence, StateDigest.of(store));
    }

    private void decide(CommandSlot.Request request, CommandSlot.Decision decision, long ringSequence) {
        long now = Math.max(clock.getAsLong(), lastTime);
        // the clock is the caller's code: an interrupt it left (nothing of the engine interrupts this thread) would
        // end every park of the wait for commands at once, and reach its next reading
        Thread.interrupted();
        long sequence = nextSequence;
        EventBuffer events = decision.events;
        events.clear();
        boolean failed = false;
        try {
            decide(request, now, events);
        } catch (RuntimeException e) {
            failed = true;
            Command command = request.toCommand();
            LOG.error("shard {}: deciding command sequence {} ({}) failed; it is rejected with {}",
                    shard, sequence, command, EngineRefusal.INTERNAL_ERROR, e);
            events.clear();
            events.rejected(EngineRefusal.INTERNAL_ERROR, command.ref());
        }
        nextSequence = sequence + 1;
        lastTime = now;
        decision.sequence = sequence;
        decision.time = now;
        decision.sequenced = true;
        count(events);
        try {
            Inventory.evolveAll(store, now, events);
        } catch (RuntimeException e) {
            health.fail(ringSequence, sequence, "applying the events", e);
            return;
        }
        noteDueTimes(request, events, failed);
    }

    /**
     * Tells the timer when this shard next has something due: from the whole state after a time command, else
     * from what the command scheduled (the commands held as fields schedule nothing) and from the orders it changed,
     * which may make forgetting due sooner ({@link ForgettingDue#changed}: one comparison once a full command's
     * worth is known). A time command whose decide threw leaves what was due still due, and one sent at once would
     * throw again, each a logged error and a journaled rejection, as fast as the shard decides: the next is due
     * {@link #RETRY_FAILED_TIME_COMMAND_MILLIS} later on the engine's clock ({@link #retryAfterFailure}). With no
     * timer to read them ({@link DueTimes#kept}) it computes none: the time commands are the caller's, and what they
     * do does not depend on due times.
     */
    private void noteDueTimes(CommandSlot.Request request, EventBuffer events, boolean failed) {
        boolean record = request.form == SubmittedCommand.Form.RECORD;
        if (record && request.command instanceof Command.ExpireReservations) {
            if (keepsDueTimes) {
                long due = Math.min(nextDue.of(store), forgetting.recomputed(store, lastTime));
                dueTimes.recomputed(shard, failed ? Math.max(due, retryAfterFailure(lastTime)) : onShardTime(due));
            }
            if (events.firstRejection() >= 0) {
                logFailedHolds(events);
            }
            return;
        }
        if (!keepsDueTimes) {
            return;
        }
        long at = record ? NextDue.scheduledBy(events) : NextDue.NEVER;
        at = Math.min(at, forgetting.changed(events, lastTime));
        if (at != NextDue.NEVER) {
            dueTimes.scheduled(shard, onShardTime(at));
        }
    }

    /**
     * {@code at} as the timer is to read it: {@link DueTimes#DUE_NOW} where it is at or before this shard's last
     * command's time, else {@code at}. The shard stamps a command with the clock, but never earlier than that time
     * ({@link #lastTime}), so a time command sent now does what is due by then even while the clock is behind it (a
     * shard recovered on a machine whose clock lags, a clock stepped back), where the timer, comparing {@code at}
     * with the clock, would send none until the clock caught up (with a clock that stays behind, never).
     * {@link NextDue#NEVER} stays never, whatever the time: a time command at the last time a long holds would find
     * it due again, and another would go at once.
     */
    private long onShardTime(long at) {
        return at != NextDue.NEVER && at <= lastTime ? DueTimes.DUE_NOW : at;
    }

    /**
     * When a time command that threw at {@code time} is due again: {@link #RETRY_FAILED_TIME_COMMAND_MILLIS} later,
     * or at the last time a due time can name when that is sooner ({@code NextDue.NEVER - 1}: {@link NextDue#NEVER}
     * is never due, so a retry that reached it would never come); {@link NextDue#NEVER} for a command at that last
     * time or after, where no later time is left and a retry would be sent again at once, as fast as the shard
     * answers.
     */
    static long retryAfterFailure(long time) {
        long last = NextDue.NEVER - 1;
        if (time >= last) {
            return NextDue.NEVER;
        }
        return time > last - RETRY_FAILED_TIME_COMMAND_MILLIS ? last : time + RETRY_FAILED_TIME_COMMAND_MILLIS;
    }

    /**
     * Logs each held command this time command released because its decide threw ({@link Reason#HELD_COMMAND_FAILED}):
     * the domain, which keeps it from failing the time command, cannot say so itself. Only for a time command that
     * rejected something, so the records are made only then.
     */
    private void logFailedHolds(EventBuffer events) {
        for (ReleasedHold released : ReleasedHold.in(events.toEvents())) {
            released.rejection().filter(rejected -> rejected.reason() == Reason.HELD_COMMAND_FAILED).ifPresent(
                    rejected -> LOG.error("shard {}: deciding the command held under hold id {} (ref {}) threw when "
                            + "it fell due at sequence {}; it was released with {} and changed nothing", shard,
                            released.holdId(), rejected.ref(), nextSequence - 1, Reason.HELD_COMMAND_FAILED));
        }
    }

    /** Counts the command as sequenced, and as accepted or rejected for the reason of its first rejection. */
    private void count(EventBuffer events) {
        int rejection = events.firstRejection();
        if (rejection < 0) {
            counters.accepted.increment();
        } else {
            counters.rejected(events.rejectionReason(rejection).code());
        }
        counters.sequenced.increment();
    }

    /** Asks the domain through the door that fits how the command is held: its record, or its fields. */
    private void decide(CommandSlot.Request request, long now, EventBuffer events) {
        switch (request.form) {
            case RECORD -> Inventory.decide(request.command, now, store, events, scratch);
            case PURCHASE -> Inventory.decidePurchase(request.orderId, request.customer, request.sku,
                    request.warehouse, request.quantity, now, store, events);
            case CANCEL_PURCHASE -> Inventory.decideCancelPurchase(request.orderId, now, store, events);
            case CONFIRM_RESERVATION -> Inventory.decideConfirmReservation(request.orderId, now, store, events);
            case RELEASE_RESERVATION -> Inventory.decideReleaseReservation(request.orderId, now, store, events);
        }
    }
}
