package dev.purestock.engine;

import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.purestock.domain.Command;

import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Wires one shard's ring: the whole handler graph of the engine, in order, on one screen.
 *
 * <pre>
 *  submitters ──▶ ring ──▶ 1 DecisionHandler ──▶ 2a JournalHandler     ──▶ 3 CompletionHandler
 *                          (decide + apply)      2b ReplicationHandler      (read model, answer,
 *                                                   (in parallel)            consumers, clear)
 * </pre>
 */
final class EngineWiring {
    private EngineWiring() {
    }

    /** The settings every shard shares. */
    record Settings(int ringSize, WaitStrategyKind waitStrategy, ProducerType producerType, LongSupplier clock,
                    long snapshotEvery, List<OutcomeConsumer> consumers, AtomicLong isolatedFailures,
                    ThreadFactory threads) {
    }

    /** Builds (without starting) the ring of shard {@code index}. */
    static Shard wire(int index, Settings settings, Intake intake, ShardState initial, DurabilityStage journal,
                      DurabilityStage replication, SnapshotWriter snapshotWriter, ReadModel.Writer readModel) {
        ShardHealth health = new ShardHealth(index, intake);
        Disruptor<CommandSlot> disruptor = new Disruptor<>(CommandSlot::new, settings.ringSize(), settings.threads(),
                settings.producerType(), settings.waitStrategy().create());
        disruptor.setDefaultExceptionHandler(new StopShardOnException(health));

        DecisionHandler decision = new DecisionHandler(index, health, initial, settings.clock(), snapshotWriter,
                settings.snapshotEvery());
        JournalHandler journaling = new JournalHandler(index, health, journal);
        ReplicationHandler replicating = new ReplicationHandler(index, health, replication);
        CompletionHandler completion = new CompletionHandler(index, health, readModel, settings.consumers(),
                settings.isolatedFailures());

        disruptor.handleEventsWith(decision)             // 1: sequence, decide, apply
                .then(journaling, replicating)           // 2: make durable, in parallel
                .then(completion);                       // 3: read model, answer, consumers, clear

        return new Shard(index, disruptor, disruptor.getRingBuffer(), health, List.of(journaling, replicating));
    }

    /**
     * The safety net for an exception a handler did not catch itself (a bug in the engine or an
     * {@link Error}): the shard stops at that slot, so nothing after it is acknowledged.
     */
    private record StopShardOnException(ShardHealth health) implements ExceptionHandler<CommandSlot> {
        @Override
        public void handleEventException(Throwable ex, long ringSequence, CommandSlot slot) {
            long commandSequence = slot.decision.sequenced ? slot.decision.sequence : -1;
            Command command = slot.request.command;
            health.fail(ringSequence, commandSequence,
                    "a pipeline stage" + (command == null ? "" : " handling " + command), ex);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            health.fail(-1, -1, "starting a pipeline stage", ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            health.fail(Long.MAX_VALUE - 1, -1, "stopping a pipeline stage", ex);
        }
    }
}
