package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
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
import org.openjdk.jmh.infra.ThreadParams;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * End-to-end in-memory throughput of the engine: producers submit purchases through the garbage-free
 * callback path ({@link dev.purestock.engine.OutcomeViewCallback}; {@link #oneProducerFuture}: through the
 * future-returning one; {@link #oneProducerFields}: as fields, with no command record), the ring decides and
 * applies, then updates the read model and answers (an engine given no journal wires no journal or replication
 * stage). Every purchase is accepted (stock is plentiful), so each one creates an order:
 * the engine's full write path, not the cheap sold-out rejection.
 *
 * <p>{@code -p retainSeconds} picks the state the engine runs in. {@code forever} (the default, what the ratio rows
 * measure) keeps every order: a fresh engine per iteration keeps the growing order book out of the next iteration,
 * but within an iteration the store's and the read model's columns grow with every order, and that growth is most of
 * these rows' B/op. {@code 1} is the steady state of a long sale, as {@code JournalBenchmark}'s
 * {@code retainSeconds=1}: orders are forgotten a second after they were taken, the state is sized ahead for that
 * window ({@link PurestockEngine.Builder#storeCapacity}) and filled before the first iteration, and one engine runs
 * the whole trial, so every new order reuses a forgotten one's room. The state is sized for the orders of the window
 * and of the time command's period at {@code JournalBenchmark}'s steady rate. Forgetting has to keep up: a time
 * command forgets at most {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders, and where the timer fell behind the
 * order rate (four producers saturating two cores, before a backlog's time commands scaled with the ring and got
 * in before the producers) the orders remembered grew past that, the B/op of the row showed the store and the
 * read model growing again, and a longer run ran out of heap. {@code oneProducer} counts the 48-byte
 * {@code Purchase} record its caller builds per command; {@code oneProducerFields} builds none.
 *
 * <p>Compare with {@link RawDisruptorBenchmark} (a ring of the same size and stages with no-op handlers, and none of
 * the engine's intake: the ceiling) and
 * {@link LockBasedBaselineBenchmark} (a synchronized service behind a blocking queue), run together.
 * {@link #decisionStageOnly} measures the single writer's own work (decide and apply one purchase on a
 * {@link PrimitiveInventoryStore}, no ring, one thread): no pipeline can sequence faster than that;
 * {@link #decisionStageOnlyFields} the same from the purchase's fields.
 *
 * <p>No sku has a limit. {@code -p unlimitedSkus=uncounted} lists them {@code ListProduct.uncounted}, so that
 * purchases neither read nor write a customer's count; the default, {@code counted}, lists them as every
 * listing did before the choice (docs/domain.md, "Customer counts").
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class EngineBenchmark {
    /** Ring slots per shard, shared with the other two benchmarks. */
    static final int RING_SIZE = 1024;
    /** Skus purchases spread over. */
    static final int SKUS = 1024;
    static final int WAREHOUSE = 0;

    /** How the skus are listed: {@code counted} (the default) or {@code uncounted}. */
    static Command.ListProduct listing(long sku, String unlimitedSkus) {
        return switch (unlimitedSkus) {
            case "counted" -> new Command.ListProduct(sku, 0);
            case "uncounted" -> Command.ListProduct.uncounted(sku);
            default -> throw new IllegalArgumentException("unlimitedSkus must be counted or uncounted, was "
                    + unlimitedSkus);
        };
    }

    /**
     * A running engine with every sku listed and stocked: fresh each iteration when it keeps every order, one for the
     * whole trial, its retention window filled first, when it forgets them.
     */
    @State(Scope.Benchmark)
    public static class Running {
        /** How the stage threads wait; the raw ring uses the same. */
        @Param({"BLOCKING", "SLEEPING", "YIELDING"})
        public WaitStrategyKind waitStrategy;

        /** How the skus are listed ({@link #listing}). */
        @Param({"counted"})
        public String unlimitedSkus;

        /**
         * How long the engine remembers an order: {@code forever} (the default: the engine's default store and no
         * retention, so the state grows by every order), or a window in seconds with the state sized ahead for it
         * (the steady state; see the class comment).
         */
        @Param({"forever", "1"})
        public String retainSeconds;

        private PurestockEngine engine;

        /** Starts the engine for the whole trial and fills its retention window, unless it keeps every order. */
        @Setup(Level.Trial)
        public void startSteady() {
            if (retains()) {
                engine = start();
                fillWindow();
            }
        }

        /** Starts a fresh engine for the iteration when it keeps every order. */
        @Setup(Level.Iteration)
        public void startGrowing() {
            if (!retains()) {
                engine = start();
            }
        }

        /** Drains and stops the iteration's engine. */
        @TearDown(Level.Iteration)
        public void stopGrowing() {
            if (!retains()) {
                engine.close();
            }
        }

        /** Drains and stops the trial's engine. */
        @TearDown(Level.Trial)
        public void stopSteady() {
            if (retains()) {
                engine.close();
            }
        }

        private boolean retains() {
            return !retainSeconds.equals("forever");
        }

        private PurestockEngine start() {
            PurestockEngine.Builder builder = PurestockEngine.builder().ringSize(RING_SIZE).waitStrategy(waitStrategy);
            if (retains()) {
                long window = Long.parseLong(retainSeconds);
                builder.retainOrdersFor(Duration.ofSeconds(window))
                        .storeCapacity(SteadyState.capacity(window, SKUS, 1));
            }
            PurestockEngine started = builder.build();
            for (int sku = 0; sku < SKUS; sku++) {
                started.submit(listing(sku, unlimitedSkus));
                started.submit(new Command.ReceiveStock(sku + 1, sku, WAREHOUSE, Limits.MAX_QUANTITY));
            }
            started.digest(0).join();
            return started;
        }

        /** Fills the retention window ({@link SteadyState#fillWindow}), then waits for a purchase after the fill. */
        private void fillWindow() {
            SteadyState.fillWindow(Long.parseLong(retainSeconds),
                    (order, filler) -> engine.submitPurchase(order, order & 0xFFFFF, order % SKUS, WAREHOUSE, 1,
                            filler),
                    order -> {
                        // answered after every purchase before it: the shard decides and answers in order
                        Outcome last = engine.submit(new Command.Purchase(order, order & 0xFFFFF, order % SKUS,
                                WAREHOUSE, 1)).join();
                        if (!last.accepted()) {
                            throw new IllegalStateException("the engine refused a purchase filling its window: "
                                    + last);
                        }
                    });
        }
    }

    /** One producer thread's order ids and its reusable callback. */
    @State(Scope.Thread)
    public static class Producer extends CountingProducer {
        private long nextOrder;

        /** Gives each thread its own range of order ids. */
        @Setup(Level.Trial)
        public void ids(ThreadParams thread) {
            nextOrder = (long) thread.getThreadIndex() << 40;
        }

        Command next() {
            long order = nextOrder++;
            return new Command.Purchase(order, order & 0xFFFFF, order % SKUS, WAREHOUSE, 1);
        }

        /** Submits the purchase {@link #next()} would build, as its fields: no record. */
        void submitNextAsFields(PurestockEngine engine) {
            long order = nextOrder++;
            engine.submitPurchase(order, order & 0xFFFFF, order % SKUS, WAREHOUSE, 1, this);
        }
    }

    /** The decision stage's state alone, fresh each iteration, stocked like the engine's. */
    @State(Scope.Thread)
    public static class DecisionStage {
        /** How the skus are listed ({@link #listing}). */
        @Param({"counted"})
        public String unlimitedSkus;

        private final EventBuffer events = new EventBuffer();
        private PrimitiveInventoryStore store;
        private long nextOrder;

        /** A fresh stocked store. */
        @Setup(Level.Iteration)
        public void fill() {
            store = new PrimitiveInventoryStore();
            for (int sku = 0; sku < SKUS; sku++) {
                decideAndApply(listing(sku, unlimitedSkus));
                decideAndApply(new Command.ReceiveStock(sku + 1, sku, WAREHOUSE, Limits.MAX_QUANTITY));
            }
        }

        int decideAndApply(Command command) {
            events.clear();
            long now = System.currentTimeMillis();
            Inventory.decide(command, now, store, events);
            Inventory.evolveAll(store, now, events);
            return events.size();
        }

        Command next() {
            long order = nextOrder++;
            return new Command.Purchase(order, order & 0xFFFFF, order % SKUS, WAREHOUSE, 1);
        }

        /** Decides and applies the purchase {@link #next()} would build, from its fields, as the engine does for one submitted as fields. */
        int decideAndApplyNextFields() {
            long order = nextOrder++;
            events.clear();
            long now = System.currentTimeMillis();
            Inventory.decidePurchase(order, order & 0xFFFFF, order % SKUS, WAREHOUSE, 1, now, store, events);
            Inventory.evolveAll(store, now, events);
            return events.size();
        }
    }

    /** One producer thread. */
    @Benchmark
    @Threads(1)
    public void oneProducer(Running running, Producer producer) {
        running.engine.submit(producer.next(), producer);
    }

    /**
     * {@link #oneProducer} submitting each purchase as its fields ({@link PurestockEngine#submitPurchase}): no
     * command record, the engine's garbage-free submit path end to end.
     */
    @Benchmark
    @Threads(1)
    public void oneProducerFields(Running running, Producer producer) {
        producer.submitNextAsFields(running.engine);
    }

    /** Four producer threads. */
    @Benchmark
    @Threads(4)
    public void fourProducers(Running running, Producer producer) {
        running.engine.submit(producer.next(), producer);
    }

    /**
     * One producer thread submitting through the future-returning API: the callback path plus a
     * {@link CompletableFuture} and an {@link Outcome} per command, what a caller that wants a future pays.
     */
    @Benchmark
    @Threads(1)
    public CompletableFuture<Outcome> oneProducerFuture(Running running, Producer producer) {
        return running.engine.submit(producer.next());
    }

    /** The single writer's work for one purchase, without a ring: the bound on any one shard's rate. */
    @Benchmark
    @Threads(1)
    public int decisionStageOnly(DecisionStage stage) {
        return stage.decideAndApply(stage.next());
    }

    /** {@link #decisionStageOnly} for a purchase given as its fields, as {@link #oneProducerFields} submits it. */
    @Benchmark
    @Threads(1)
    public int decisionStageOnlyFields(DecisionStage stage) {
        return stage.decideAndApplyNextFields();
    }
}
