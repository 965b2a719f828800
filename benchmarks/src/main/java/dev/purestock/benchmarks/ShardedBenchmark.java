package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.engine.DurabilityStage;
import dev.purestock.engine.PurestockEngine;
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
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * Throughput of an engine split into 1, 2 or 4 shards by warehouse, each shard its own ring, single
 * writer and (with {@code journal=chronicle}) its own Chronicle Queue journal, fed by four producer
 * threads that spread purchases over every shard's warehouse. On a machine with fewer cores than the
 * shards' threads, more shards only add contention: the figure shows how throughput scales with cores.
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

    private PurestockEngine engine;
    private Path dir;

    /** A fresh engine (and journal directory) per iteration, every sku of every warehouse stocked. */
    @Setup(Level.Iteration)
    public void start() throws IOException {
        dir = Files.createTempDirectory("purestock-sharded");
        IntFunction<DurabilityStage> stage = journal.equals("chronicle")
                ? shard -> JournalWriter.open(dir.resolve("shard-" + shard), Durability.PAGE_CACHE)
                : shard -> (sequence, time, command, events, endOfBatch) -> {
                };
        engine = PurestockEngine.builder().shards(shards).ringSize(16384).waitStrategy(waitStrategy)
                .journal(stage).build();
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

    /** Drains and stops the engine, then deletes its journals. */
    @TearDown(Level.Iteration)
    public void stop() throws IOException {
        engine.close();
        BenchmarkFiles.deleteRecursively(dir);
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
    }

    /** Four producer threads over every shard. */
    @Benchmark
    @Threads(4)
    public void fourProducers(Producer producer) {
        engine.submit(producer.next(), producer);
    }
}
