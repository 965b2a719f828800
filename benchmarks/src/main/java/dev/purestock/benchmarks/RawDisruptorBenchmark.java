package dev.purestock.benchmarks;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.EventTranslatorOneArg;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.purestock.engine.WaitStrategyKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The ceiling: a bare Disruptor with the engine's ring size, wait strategy, producer type and topology in memory
 * (one stage, then one: deciding, then completing; an engine wires no journal, replication or snapshot stage it was
 * not given) and handlers that do nothing but read the slot.
 *
 * <p>It is not the engine's pipeline with the work taken out. Its producers wait for a full ring with the Disruptor's
 * {@code next()} (a 1 ns park); its second stage keeps the Disruptor's barrier, which reads the producers'
 * availability flags for every slot; it has no intake gate, shape check or router; and it builds nothing per
 * operation, where {@link EngineBenchmark}'s rows build a 48-byte {@code Command.Purchase}. With
 * {@code waitStrategy=BLOCKING} both its stages wait on the Disruptor's {@link BlockingWaitStrategy} (a monitor taken
 * and a condition signalled on every publish), while the engine's decision stage waits on the engine's own
 * {@code ParkingWaitStrategy} and its later stages park on their own signal: a BLOCKING ratio compares two ways of
 * waiting as well as the work.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RawDisruptorBenchmark {
    private static final EventTranslatorOneArg<Slot, Long> TRANSLATOR = (slot, sequence, value) -> slot.value = value;

    /** How the stage threads wait, as in {@link EngineBenchmark}. */
    @Param({"BLOCKING", "SLEEPING", "YIELDING"})
    public WaitStrategyKind waitStrategy;

    private Disruptor<Slot> disruptor;
    private RingBuffer<Slot> ring;

    /** A preallocated slot holding one value. */
    static final class Slot {
        long value;
    }

    /** Reads the slot and keeps the value where the JIT cannot drop it. */
    static final class NoOpHandler implements EventHandler<Slot> {
        volatile long last;

        @Override
        public void onEvent(Slot slot, long sequence, boolean endOfBatch) {
            if (endOfBatch) {
                last = slot.value;
            }
        }
    }

    /** A fresh ring per iteration, as the engine benchmark has. */
    @Setup(Level.Iteration)
    public void start() {
        disruptor = new Disruptor<>(Slot::new, EngineBenchmark.RING_SIZE, Thread.ofPlatform().daemon().factory(),
                ProducerType.MULTI, disruptorWaitStrategy(waitStrategy));
        disruptor.handleEventsWith(new NoOpHandler()).then(new NoOpHandler());
        ring = disruptor.start();
    }

    /**
     * The Disruptor strategy the engine's first stage waits with for {@code kind} (the engine keeps its own
     * mapping private; its later stages park on their own signal under {@code BLOCKING}, which a bare ring
     * has not).
     */
    static WaitStrategy disruptorWaitStrategy(WaitStrategyKind kind) {
        return switch (kind) {
            case BLOCKING -> new BlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }

    /** Drains and stops the ring. */
    @TearDown(Level.Iteration)
    public void stop() {
        disruptor.shutdown();
    }

    /** One producer thread. */
    @Benchmark
    @Threads(1)
    public void oneProducer() {
        ring.publishEvent(TRANSLATOR, 1L);
    }

    /** Four producer threads. */
    @Benchmark
    @Threads(4)
    public void fourProducers() {
        ring.publishEvent(TRANSLATOR, 1L);
    }
}
