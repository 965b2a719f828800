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
 * from there, leaving them in the slot for the stages after it; it builds no event record. It performs no
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
        Thread.currentThread().setName("purestock-shard-" + shard + "-decide");
    }

    @Override
    public void onEvent(CommandSlot slot, long ringSequence, boolean endOfBatch) {
        CommandSlot.Decision decision = slot.decision;
        decision.sequenced = false;
        if (health.failedAtOrBefore(ringSequence)) {
            return;
        }
        switch (slot.request.kind) {
            case COMMAND -> decide(slot.request.command, decision, ringSequence);
            case SNAPSHOT -> decision.controlResult = nextSequence - 1;
            case DIGEST -> decision.controlResult = StateDigest.of(store);
            case BARRIER -> {
            }
        }
    }

    private void decide(Command command, CommandSlot.Decision decision, long ringSequence) {
        long now = Math.max(clock.getAsLong(), lastTime);
        long sequence = nextSequence;
        EventBuffer events = decision.events;
        events.clear();
        try {
            Inventory.decide(command, now, store, events);
        } catch (RuntimeException e) {
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
}
