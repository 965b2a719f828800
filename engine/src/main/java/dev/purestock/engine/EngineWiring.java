package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventProcessor;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.EventHandlerGroup;
import com.lmax.disruptor.dsl.EventProcessorFactory;
import com.lmax.disruptor.dsl.ProducerType;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /**
     * The settings every shard shares; {@code inFlight}, the new order ids in flight that the completion stages let go
     * of, is {@code null} with one shard.
     */
    record Settings(int ringSize, WaitStrategyKind waitStrategy, ProducerMode producerMode, LongSupplier clock,
                    long snapshotEvery, int snapshotBacklogLimit, StoreCapacity storeCapacity,
                    List<OutcomeConsumer> consumers,
                    AtomicLong isolatedFailures, CallerAnswers answers, StageThreads threads, DueTimes dueTimes,
                    InFlightOrders inFlight) {
    }

    /**
     * Builds (without starting) the ring of shard {@code index}; {@code journal}, {@code replication} and
     * {@code snapshotWriter} are {@code null} when not configured, and then not wired.
     */
    static Shard wire(int index, Settings settings, Intake intake, ShardState initial, DurabilityStage journal,
                      DurabilityStage replication, SnapshotWriter snapshotWriter, ReadModel.Updater readModel) {
        ShardHealth health = new ShardHealth(index, intake);
        ShardCounters counters = new ShardCounters(settings.ringSize());
        Map<StageRole, ShardCounters.Durability> durabilityTimes = new EnumMap<>(StageRole.class);
        WaitStrategy waitStrategy = settings.waitStrategy().create(settings.producerMode());
        ProducerType producers = settings.producerMode() == ProducerMode.SINGLE ? ProducerType.SINGLE
                : ProducerType.MULTI;
        Disruptor<CommandSlot> disruptor = new Disruptor<>(CommandSlot::new, settings.ringSize(), settings.threads(),
                producers, waitStrategy);
        StopShardOnException stopShard = new StopShardOnException(health);
        disruptor.setDefaultExceptionHandler(stopShard);

        RingBuffer<CommandSlot> ring = disruptor.getRingBuffer();
        DecisionHandler decision = new DecisionHandler(index, health, initial, settings.clock(), counters.decision,
                settings.dueTimes(), ring::get, snapshotWriter == null ? null : counters.snapshots);
        List<DurabilityHandler> durability = new ArrayList<>(2);
        Map<EventHandler<CommandSlot>, StageRole> parallel = new LinkedHashMap<>();
        if (journal != null) {
            ShardCounters.Durability times = new ShardCounters.Durability();
            JournalHandler handler = new JournalHandler(index, health, journal, times);
            health.tell(journal);
            durabilityTimes.put(StageRole.JOURNAL, times);
            durability.add(handler);
            parallel.put(handler, StageRole.JOURNAL);
        }
        if (replication != null) {
            ShardCounters.Durability times = new ShardCounters.Durability();
            ReplicationHandler handler = new ReplicationHandler(index, health, replication, times);
            health.tell(replication);
            durabilityTimes.put(StageRole.REPLICATE, times);
            durability.add(handler);
            parallel.put(handler, StageRole.REPLICATE);
        }
        Map<StageRole, IdleWork> idleWork = new EnumMap<>(StageRole.class);
        if (snapshotWriter != null) {
            SnapshotHandler handler = new SnapshotHandler(index, health, initial,
                    SnapshotHandler.copyOf(initial.store(), settings.storeCapacity()), snapshotWriter,
                    settings.snapshotEvery(), settings.threads(), counters.snapshots,
                    settings.snapshotBacklogLimit());
            parallel.put(handler, StageRole.APPLY);
            idleWork.put(StageRole.APPLY, handler); // applies what it kept aside when the ring has nothing for it
        }
        settings.threads().expect(2 + durability.size() + (snapshotWriter == null ? 0 : 2)); // decide, complete
        CompletionHandler completion = new CompletionHandler(index, health, readModel, settings.consumers(),
                settings.isolatedFailures(), settings.answers(), counters.completion, settings.inFlight());
        Map<StageRole, EventProcessor> processors = new EnumMap<>(StageRole.class);

        // the decision stage reads from the ring through the Disruptor's barrier; the stages after it wait only
        // for the stages before them (DependentStageBarrier)
        // with the blocking kind every stage parks when it has nothing to do: stages before others signal them
        StageSignal signal = settings.waitStrategy() == WaitStrategyKind.BLOCKING ? new StageSignal() : null;
        EventHandler<CommandSlot> deciding = signalling(signal, decision);
        EventHandlerGroup<CommandSlot> stages = disruptor.handleEventsWith(deciding); // 1: decide
        disruptor.handleExceptionsFor(deciding).with(PassingStage.exceptions(deciding, stopShard));
        if (!parallel.isEmpty()) {
            Map<EventHandler<CommandSlot>, StageRole> signalled = new LinkedHashMap<>();
            parallel.forEach((stage, role) -> signalled.put(signalling(signal, stage), role));
            // 2: journal, replicate, apply (the snapshot stage), in parallel
            stages = stages.then(dependent(signalled, idleWork, waitStrategy, signal, stopShard, processors));
        }
        // the last stage frees the ring's slots: it wakes the publishers waiting for space (RingSpace)
        RingSpace space = new RingSpace(settings.ringSize());
        stages.then(dependent(Map.of(space.freedBy(completion), StageRole.COMPLETE), Map.of(), waitStrategy, signal,
                stopShard, processors)); // 3: read model, answer, consumers

        Map<StageRole, LongSupplier> passed = new EnumMap<>(StageRole.class);
        passed.put(StageRole.DECIDE, () -> disruptor.getSequenceValueFor(deciding));
        processors.forEach((stage, processor) -> passed.put(stage, processor.getSequence()::get));
        ShardMetrics metrics = new ShardMetrics(index, counters, settings.ringSize(), ring::remainingCapacity,
                ring::getCursor, passed, durabilityTimes, health, intake,
                () -> settings.answers().callbackFailures(index));
        return new Shard(index, disruptor, ring, space, health, completion, List.copyOf(durability), metrics);
    }

    private static EventHandler<CommandSlot> signalling(StageSignal signal, EventHandler<CommandSlot> stage) {
        return signal == null ? stage : signal.signalling(stage);
    }

    @SuppressWarnings("unchecked")
    private static EventProcessorFactory<CommandSlot>[] dependent(Map<EventHandler<CommandSlot>, StageRole> stages,
                                                                  Map<StageRole, IdleWork> idleWork,
                                                                  WaitStrategy waitStrategy, StageSignal signal,
                                                                  ExceptionHandler<CommandSlot> exceptions,
                                                                  Map<StageRole, EventProcessor> processors) {
        return stages.entrySet().stream()
                .map(entry -> {
                    EventHandler<CommandSlot> stage = entry.getKey();
                    ExceptionHandler<CommandSlot> stageExceptions = PassingStage.exceptions(stage, exceptions);
                    IdleWork idle = idleWork.get(entry.getValue());
                    EventProcessorFactory<CommandSlot> factory = signal == null
                            ? DependentStageBarrier.stage(waitStrategy, stage, stageExceptions, idle)
                            : DependentStageBarrier.blocking(signal, stage, stageExceptions, idle);
                    return kept(factory, entry.getValue(), processors);
                })
                .toArray(EventProcessorFactory[]::new);
    }

    /** {@code factory}, keeping the processor it builds under {@code stage}, whose progress the metrics read. */
    private static EventProcessorFactory<CommandSlot> kept(EventProcessorFactory<CommandSlot> factory,
                                                           StageRole stage,
                                                           Map<StageRole, EventProcessor> processors) {
        return (ring, upstream) -> {
            EventProcessor processor = factory.createEventProcessor(ring, upstream);
            processors.put(stage, processor);
            return processor;
        };
    }

    /**
     * The safety net for an exception a handler did not catch itself (a bug in the engine or an
     * {@link Error}): the shard stops at that slot, so nothing after it is acknowledged. Nothing here may throw: the
     * Disruptor calls this outside its own catch, so a throw would end the stage's thread, and the stages after it
     * (and the callers waiting for their answers) would wait for ever.
     */
    private record StopShardOnException(ShardHealth health) implements ExceptionHandler<CommandSlot> {
        @Override
        public void handleEventException(Throwable ex, long ringSequence, CommandSlot slot) {
            long commandSequence = -1;
            String what = "a pipeline stage";
            try {
                if (slot != null) {
                    commandSequence = slot.decision.sequenced ? slot.decision.sequence : -1;
                    if (slot.request.kind == CommandSlot.Kind.COMMAND) {
                        what = "a pipeline stage handling " + slot.request.toCommand();
                    }
                }
            } catch (Throwable e) {
                // an Error too (memory running out as the text is built): the stop says less, and is made all the same
            }
            health.fail(ringSequence, commandSequence, what, ex);
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
