package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.LongSupplier;

/**
 * Stage 1: the only writer of a shard's decision state. For each command it assigns the next gap-free
 * sequence, stamps the time (the clock, but never earlier than the previous command's time), asks the
 * pure domain to decide into the slot's preallocated {@link EventBuffer}, and applies the events to the store
 * from there, leaving them in the slot for the stages after it; it builds no event record. A command held as
 * its fields goes through the domain's field door ({@link Inventory#decidePurchase} and the like), so none is
 * built for it either. It performs no
 * I/O: for a snapshot it only marks the sequence the snapshot covers, and the snapshot stage
 * ({@link SnapshotHandler}) cuts it from its own copy of the state.
 *
 * <p>A {@code decide} that throws changed nothing, so the command is answered with
 * {@link Reason#INTERNAL_ERROR} and the shard goes on. An {@code evolve} that throws may have left the
 * store half-changed, so the shard stops (see {@link ShardHealth}).
 */
final class DecisionHandler implements EventHandler<CommandSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(DecisionHandler.class);

    private final int shard;
    private final ShardHealth health;
    private final InventoryStore store;
    private final LongSupplier clock;
    private long nextSequence;
    private long lastTime;

    DecisionHandler(int shard, ShardHealth health, ShardState initial, LongSupplier clock) {
        this.shard = shard;
        this.health = health;
        this.store = initial.store();
        this.nextSequence = initial.nextSequence();
        this.lastTime = initial.lastTime();
        this.clock = clock;
    }

    @Override
    public void onStart() {
        StageThreads.begin(shard, StageRole.DECIDE);
    }

    @Override
    public void onEvent(CommandSlot slot, long ringSequence, boolean endOfBatch) {
        CommandSlot.Decision decision = slot.decision;
        decision.sequenced = false;
        if (health.failedAtOrBefore(ringSequence)) {
            return;
        }
        switch (slot.request.kind) {
            case COMMAND -> decide(slot.request, decision, ringSequence);
            case SNAPSHOT -> decision.controlResult = nextSequence - 1;
            case DIGEST -> decision.controlResult = StateDigest.of(store);
            case BARRIER -> {
            }
        }
    }

    private void decide(CommandSlot.Request request, CommandSlot.Decision decision, long ringSequence) {
        long now = Math.max(clock.getAsLong(), lastTime);
        long sequence = nextSequence;
        EventBuffer events = decision.events;
        events.clear();
        try {
            decide(request, now, events);
        } catch (RuntimeException e) {
            Command command = request.toCommand();
            LOG.error("shard {}: deciding command sequence {} ({}) failed; it is rejected with {}",
                    shard, sequence, command, Reason.INTERNAL_ERROR, e);
            events.clear();
            events.rejected(Reason.INTERNAL_ERROR, ShardRouter.ref(command));
        }
        nextSequence = sequence + 1;
        lastTime = now;
        decision.sequence = sequence;
        decision.time = now;
        decision.sequenced = true;
        try {
            Inventory.evolveAll(store, now, events);
        } catch (RuntimeException e) {
            health.fail(ringSequence, sequence, "applying the events", e);
        }
    }

    /** Asks the domain through the door that fits how the command is held: its record, or its fields. */
    private void decide(CommandSlot.Request request, long now, EventBuffer events) {
        switch (request.form) {
            case RECORD -> Inventory.decide(request.command, now, store, events);
            case PURCHASE -> Inventory.decidePurchase(request.orderId, request.customer, request.sku,
                    request.warehouse, request.quantity, now, store, events);
            case CANCEL_PURCHASE -> Inventory.decideCancelPurchase(request.orderId, now, store, events);
            case CONFIRM_RESERVATION -> Inventory.decideConfirmReservation(request.orderId, now, store, events);
            case RELEASE_RESERVATION -> Inventory.decideReleaseReservation(request.orderId, now, store, events);
        }
    }
}
