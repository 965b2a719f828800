package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventHandlerGroup;
import com.lmax.disruptor.dsl.EventProcessorFactory;
import com.lmax.disruptor.dsl.ProducerType;
import dev.purestock.domain.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Wires one shard's ring: the whole handler graph of the engine, in order, on one screen.
 *
 * <pre>
 *  submitters ──▶ ring ──▶ 1 DecisionHandler ──▶ 2a JournalHandler     ──▶ 3 CompletionHandler
 *                          (decide + apply,      2b ReplicationHandler      (read model, answer,
 *                           mark snapshots)      2c SnapshotHandler         consumers, clear)
 *                                                   (in parallel)
 * </pre>
 *
 * Only the configured stage-2 handlers are wired: no journal, no replication or no snapshot writer means no
 * such stage and no thread for it. Each stage runs on its own thread ({@code purestock-shard-N-<role>}); the
 * snapshot stage adds a writer thread ({@code -snapshot}) that sleeps between snapshots.
 */
final class EngineWiring {
    private EngineWiring() {
    }

    /** The settings every shard shares. */
    record Settings(int ringSize, WaitStrategyKind waitStrategy, ProducerMode producerMode, LongSupplier clock,
                    long snapshotEvery, StoreCapacity storeCapacity, List<OutcomeConsumer> consumers, AtomicLong isolatedFailures,
                    CallerAnswers answers, StageThreads threads) {
    }

    /**
     * Builds (without starting) the ring of shard {@code index}; {@code journal}, {@code replication} and
     * {@code snapshotWriter} are {@code null} when not configured, and then not wired.
     */
    static Shard wire(int index, Settings settings, Intake intake, ShardState initial, DurabilityStage journal,
                      DurabilityStage replication, SnapshotWriter snapshotWriter, ReadModel.Writer readModel) {
        ShardHealth health = new ShardHealth(index, intake);
        WaitStrategy waitStrategy = settings.waitStrategy().create();
        Disruptor<CommandSlot> disruptor = new Disruptor<>(CommandSlot::new, settings.ringSize(), settings.threads(),
                settings.producerMode() == ProducerMode.SINGLE ? ProducerType.SINGLE : ProducerType.MULTI, waitStrategy);
        StopShardOnException stopShard = new StopShardOnException(health);
        disruptor.setDefaultExceptionHandler(stopShard);

        DecisionHandler decision = new DecisionHandler(index, health, initial, settings.clock());
        List<DurabilityHandler> durability = new ArrayList<>(2);
        if (journal != null) {
            durability.add(new JournalHandler(index, health, journal));
        }
        if (replication != null) {
            durability.add(new ReplicationHandler(index, health, replication));
        }
        List<EventHandler<CommandSlot>> parallel = new ArrayList<>(durability);
        if (snapshotWriter != null) {
            parallel.add(new SnapshotHandler(index, health, initial, settings.storeCapacity(), snapshotWriter,
                    settings.snapshotEvery(), settings.threads()));
        }
        settings.threads().expect(2 + durability.size() + (snapshotWriter == null ? 0 : 2)); // decide, complete
        CompletionHandler completion = new CompletionHandler(index, health, readModel, settings.consumers(),
                settings.isolatedFailures(), settings.answers());

        // the decision stage reads from the ring through the Disruptor's barrier; the stages after it wait only
        // for the stages before them (DependentStageBarrier)
        // with the blocking kind every stage parks when it has nothing to do: stages before others signal them
        StageSignal signal = settings.waitStrategy() == WaitStrategyKind.BLOCKING ? new StageSignal() : null;
        EventHandlerGroup<CommandSlot> stages = disruptor.handleEventsWith(signalling(signal, decision)); // 1: decide
        if (!parallel.isEmpty()) {
            List<EventHandler<CommandSlot>> signalling = parallel.stream().map(stage -> signalling(signal, stage))
                    .toList();
            stages = stages.then(dependent(signalling, waitStrategy, signal, stopShard)); // 2: journal, replicate, snapshot
        }
        stages.then(dependent(List.of(completion), waitStrategy, signal, stopShard)); // 3: read model, answer, consumers

        return new Shard(index, disruptor, disruptor.getRingBuffer(), health, completion);
    }

    private static EventHandler<CommandSlot> signalling(StageSignal signal, EventHandler<CommandSlot> stage) {
        return signal == null ? stage : signal.signalling(stage);
    }

    @SuppressWarnings("unchecked")
    private static EventProcessorFactory<CommandSlot>[] dependent(List<? extends EventHandler<CommandSlot>> stages,
                                                                  WaitStrategy waitStrategy, StageSignal signal,
                                                                  ExceptionHandler<CommandSlot> exceptions) {
        return stages.stream()
                .map(stage -> signal == null ? DependentStageBarrier.stage(waitStrategy, stage, exceptions)
                        : DependentStageBarrier.blocking(signal, stage, exceptions))
                .toArray(EventProcessorFactory[]::new);
    }

    /**
     * The safety net for an exception a handler did not catch itself (a bug in the engine or an
     * {@link Error}): the shard stops at that slot, so nothing after it is acknowledged.
     */
    private record StopShardOnException(ShardHealth health) implements ExceptionHandler<CommandSlot> {
        @Override
        public void handleEventException(Throwable ex, long ringSequence, CommandSlot slot) {
            long commandSequence = slot.decision.sequenced ? slot.decision.sequence : -1;
            Command command = slot.request.kind == CommandSlot.Kind.COMMAND ? slot.request.toCommand() : null;
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
