package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.DecidedEvents;
import dev.purestock.domain.Event;
import dev.purestock.domain.Limits;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.SubmittedCommand;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalWriter;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Throughput of an engine split into 1, 2 or 4 shards by warehouse, each shard its own ring, single
 * writer and (with {@code journal=chronicle}) its own Chronicle Queue journal, fed by four producer
 * threads that spread purchases over every shard's warehouse. On a machine with fewer cores than the
 * shards' threads, more shards only add contention: the figure shows how throughput scales with cores.
 *
 * <p>{@code -p retainSeconds} picks the state, as in {@link EngineBenchmark}: {@code forever} (the default) keeps
 * every order, a fresh engine per iteration, and most of the B/op is the state growing; {@code 1} forgets orders a
 * second after they were taken, one engine runs the trial with its state sized ahead per shard for a share of
 * {@link JournalBenchmark}'s steady rate and filled before the warm-up, so every new order reuses a forgotten one's
 * room and the B/op is what a command costs the engine, its routing with more than one shard included (the ids of
 * the new orders in flight). {@code fourProducersFields} submits each purchase as its fields: no record.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ShardedBenchmark {
    private static final int SKUS_PER_WAREHOUSE = 1024;

    /** How many shards (and warehouses, one per shard). */
    @Param({"1", "2", "4"})
    public int shards;

    /** {@code none}: durability stages are no-ops; {@code chronicle}: a page-cache journal per shard. */
    @Param({"none", "chronicle"})
    public String journal;

    /** How the stage threads wait. */
    @Param({"BLOCKING"})
    public WaitStrategyKind waitStrategy;

    /** How long the engine remembers an order: {@code forever}, or a window in seconds (see the class comment). */
    @Param({"forever"})
    public String retainSeconds;

    private PurestockEngine engine;
    private Path dir;

    /** Starts the engine for the whole trial and fills its retention window, unless it keeps every order. */
    @Setup(Level.Trial)
    public void startSteady() throws IOException {
        if (retains()) {
            start();
            fillWindow();
        }
    }

    /** A fresh engine (and journal directory) per iteration when it keeps every order. */
    @Setup(Level.Iteration)
    public void startGrowing() throws IOException {
        if (!retains()) {
            start();
        }
    }

    /** Drains and stops the iteration's engine, then deletes its journals. */
    @TearDown(Level.Iteration)
    public void stopGrowing() throws IOException {
        if (!retains()) {
            stop();
        }
    }

    /** Drains and stops the trial's engine, then deletes its journals. */
    @TearDown(Level.Trial)
    public void stopSteady() throws IOException {
        if (retains()) {
            stop();
        }
    }

    private boolean retains() {
        return !retainSeconds.equals("forever");
    }

    /** An engine (and journal directory), every sku of every warehouse stocked. */
    private void start() throws IOException {
        dir = Files.createTempDirectory("purestock-sharded");
        IntFunction<DurabilityStage> stage = journal.equals("chronicle")
                ? shard -> JournalWriter.open(dir.resolve("shard-" + shard), Durability.PAGE_CACHE)
                : shard -> new NoOpStage();
        PurestockEngine.Builder builder = PurestockEngine.builder().shards(shards).ringSize(16384)
                .waitStrategy(waitStrategy).journal(stage);
        if (retains()) {
            long window = Long.parseLong(retainSeconds);
            builder.retainOrdersFor(Duration.ofSeconds(window))
                    .storeCapacity(SteadyState.capacity(window, SKUS_PER_WAREHOUSE, shards));
        }
        engine = builder.build();
        for (int sku = 0; sku < SKUS_PER_WAREHOUSE; sku++) {
            engine.submit(new Command.ListProduct(sku, 0));
            for (int warehouse = 0; warehouse < shards; warehouse++) {
                engine.submit(new Command.ReceiveStock((long) warehouse * SKUS_PER_WAREHOUSE + sku, sku, warehouse,
                        Limits.MAX_QUANTITY));
            }
        }
        for (int shard = 0; shard < shards; shard++) {
            engine.digest(shard).join();
        }
    }

    private void stop() throws IOException {
        engine.close();
        BenchmarkFiles.deleteRecursively(dir);
    }

    /** Fills the retention window over every shard ({@link SteadyState#fillWindow}), then digests each shard. */
    private void fillWindow() {
        SteadyState.fillWindow(Long.parseLong(retainSeconds),
                (order, filler) -> engine.submitPurchase(order, order & 0xFFFFF, (order >>> 2) % SKUS_PER_WAREHOUSE,
                        (int) (order % shards), 1, filler),
                order -> {
                    for (int shard = 0; shard < shards; shard++) {
                        engine.digest(shard).join(); // after every purchase of the shard before it
                    }
                });
    }

    /**
     * A durability stage that does nothing, in the primitive form too: a stage given as the record form alone (a
     * lambda) has the engine build every command's and events' records for it, which these rows then measured.
     */
    private static final class NoOpStage implements DurabilityStage {
        @Override
        public void onDecided(long sequence, long time, Command command, List<Event> events, boolean endOfBatch) {
        }

        @Override
        public void onDecided(long sequence, long time, SubmittedCommand command, DecidedEvents events,
                              boolean endOfBatch) {
        }
    }

    /** One producer thread: its order ids, the shards it cycles through and a reusable callback. */
    @State(Scope.Thread)
    public static class Producer extends CountingProducer {
        private long nextOrder;
        private int shards;

        /** Gives each thread its own range of order ids. */
        @Setup(Level.Trial)
        public void ids(ThreadParams thread, ShardedBenchmark benchmark) {
            nextOrder = (long) thread.getThreadIndex() << 40;
            shards = benchmark.shards;
        }

        Command next() {
            long order = nextOrder++;
            return new Command.Purchase(order, order & 0xFFFFF, (order >>> 2) % SKUS_PER_WAREHOUSE,
                    (int) (order % shards), 1);
        }

        /** Submits the purchase {@link #next()} would build, as its fields: no record. */
        void submitNextAsFields(PurestockEngine engine) {
            long order = nextOrder++;
            engine.submitPurchase(order, order & 0xFFFFF, (order >>> 2) % SKUS_PER_WAREHOUSE, (int) (order % shards),
                    1, this);
        }
    }

    /** Four producer threads over every shard. */
    @Benchmark
    @Threads(4)
    public void fourProducers(Producer producer) {
        engine.submit(producer.next(), producer);
    }

    /** Four producer threads over every shard, each purchase submitted as its fields. */
    @Benchmark
    @Threads(4)
    public void fourProducersFields(Producer producer) {
        producer.submitNextAsFields(engine);
    }
}
