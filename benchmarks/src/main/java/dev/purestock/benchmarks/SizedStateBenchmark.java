package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.StoreCapacity;
import dev.purestock.engine.WaitStrategyKind;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A state sized ahead and filled from its first order, with the default 24-hour retention (nothing is forgotten
 * within a run): each iteration takes a fresh in-memory one-shard engine sized for {@link #capacity} orders
 * ({@link PurestockEngine.Builder#storeCapacity}) and submits {@link #ORDERS} one-unit purchases over
 * {@link #SKUS} skus to it as fields ({@link PurestockEngine#submitPurchase}), answered through one reused
 * {@link OutcomeViewCallback}. So {@code -prof gc}'s {@code gc.alloc.rate.norm} is what a purchase costs while
 * the orders accumulate within the capacity given, on every thread, the state's first growth included; it should
 * be about 0.
 *
 * <p>The engines are built and their products stocked in the trial's setup, and a throwaway engine warms the
 * code there, so that an iteration counts only its purchases (JMH counts a trial's setup into its first
 * iteration, a warm-up one). Run it single-shot with at most {@link #engines} iterations in all, for example
 * {@code -bm ss -wi 4 -i 10}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4)
@Measurement(iterations = 10)
@Fork(1)
public class SizedStateBenchmark {
    /** Purchases per iteration, each a new order. */
    static final int ORDERS = 20_000;
    /** Skus the purchases spread over. */
    static final int SKUS = 64;
    private static final int WARMUP_ORDERS = 400_000;

    /** How the stage threads wait. */
    @Param({"BLOCKING", "SLEEPING"})
    public WaitStrategyKind waitStrategy;

    /**
     * The orders each engine's state is sized for: {@link #ORDERS} (fewer than one full 64 Ki-row chunk of the
     * order book) or ten times as many.
     */
    @Param({"20000", "200000"})
    public int capacity;

    /** Fresh engines built for the trial: one per iteration, warm-up iterations included. */
    @Param({"16"})
    public int engines;

    private final List<PurestockEngine> fresh = new ArrayList<>();
    private final ArrayList<PurestockEngine> used = new ArrayList<>();
    private final Answers answers = new Answers();
    private long nextOrder = 1;

    /** The reused callback: counts answers and refusals, keeps nothing. */
    private static final class Answers implements OutcomeViewCallback {
        final AtomicLong answered = new AtomicLong();
        volatile Object refused;

        @Override
        public void onOutcome(OutcomeView outcome) {
            if (!outcome.accepted()) {
                refused = outcome.reason();
            }
            answered.incrementAndGet();
        }

        @Override
        public void onFailure(Throwable cause) {
            refused = cause;
            answered.incrementAndGet();
        }
    }

    /** Warms the code on a throwaway engine, then builds and stocks the engines the iterations take. */
    @Setup(Level.Trial)
    public void build() {
        PurestockEngine warm = start(new StoreCapacity(2 * SKUS, WARMUP_ORDERS, WARMUP_ORDERS));
        purchase(warm, WARMUP_ORDERS);
        warm.close();
        used.ensureCapacity(engines);
        for (int i = 0; i < engines; i++) {
            fresh.add(start(new StoreCapacity(2 * SKUS, capacity, capacity)));
        }
    }

    private PurestockEngine start(StoreCapacity stateCapacity) {
        PurestockEngine engine = PurestockEngine.builder()
                .shards(1)
                .waitStrategy(waitStrategy)
                .storeCapacity(stateCapacity)
                .build();
        for (int sku = 0; sku < SKUS; sku++) {
            engine.submit(new Command.ListProduct(sku, 0));
            engine.submit(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
        engine.digest(0).join();
        return engine;
    }

    /** Closes every engine. */
    @TearDown(Level.Trial)
    public void close() {
        fresh.forEach(PurestockEngine::close);
        used.forEach(PurestockEngine::close);
    }

    /** {@link #ORDERS} purchases into the next fresh engine, from its first order. */
    @Benchmark
    @OperationsPerInvocation(ORDERS)
    public void fillFromFirstOrder() {
        if (fresh.isEmpty()) {
            throw new IllegalStateException("more iterations than engines: raise -p engines");
        }
        PurestockEngine engine = fresh.removeLast();
        purchase(engine, ORDERS);
        used.add(engine);
    }

    /** Submits {@code count} purchases under new order ids and waits, parked, for every answer. */
    private void purchase(PurestockEngine engine, int count) {
        long target = answers.answered.get() + count;
        for (int i = 0; i < count; i++) {
            long order = nextOrder++;
            engine.submitPurchase(order, order & 0xFFFFF, order % SKUS, 0, 1, answers);
        }
        while (answers.answered.get() < target) {
            LockSupport.parkNanos(10_000);
        }
        if (answers.refused != null) {
            throw new IllegalStateException("the benchmark measures accepted purchases, but one was refused: "
                    + answers.refused);
        }
    }
}
