package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ReadModel;
import dev.purestock.engine.StoreCapacity;
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
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A reader's query of a populated read model: {@link ReadModel#available} of {@link #positions} stock positions
 * (skus over {@link #WAREHOUSES} warehouses) of an idle in-memory engine, one position after another in
 * {@link #order}. With {@code -prof gc}, {@code gc.alloc.rate.norm} is what one query allocates; it should be 0.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 3)
@Fork(1)
public class ReadModelBenchmark {
    /** Warehouses the positions spread over. */
    static final int WAREHOUSES = 4;

    /** Stock positions held by the read model. */
    @Param({"100000"})
    public int positions;

    /** Shards of the engine: the warehouses spread over them. */
    @Param({"1", "4"})
    public int shards;

    /**
     * The order the positions are queried in: {@code SEQUENTIAL} (sku after sku, the order they were stocked in) or
     * {@code RANDOM} (a fixed shuffle), as a service asking for whatever its callers ask for would.
     */
    @Param({"RANDOM", "SEQUENTIAL"})
    public String order;

    private int[] queried;
    private PurestockEngine engine;
    private ReadModel readModel;
    private int next;

    /** Builds the engine and stocks every position. */
    @Setup(Level.Trial)
    public void build() {
        engine = PurestockEngine.builder()
                .shards(shards)
                .storeCapacity(new StoreCapacity(positions, 1024, 1024))
                .build();
        List<CompletableFuture<Outcome>> answers = new ArrayList<>(positions);
        for (int sku = 0; sku < (positions + WAREHOUSES - 1) / WAREHOUSES; sku++) {
            engine.submit(new Command.ListProduct(sku, 0));
        }
        for (int i = 0; i < positions; i++) {
            answers.add(engine.submit(new Command.ReceiveStock(i + 1, i / WAREHOUSES, i % WAREHOUSES,
                    1 + i % Limits.MAX_QUANTITY)));
        }
        for (CompletableFuture<Outcome> answer : answers) {
            if (!answer.join().accepted()) {
                throw new IllegalStateException("stock was refused: " + answer.join());
            }
        }
        readModel = engine.readModel();
        queried = new int[positions];
        for (int i = 0; i < positions; i++) {
            queried[i] = i;
        }
        if (order.equals("RANDOM")) {
            SplittableRandom random = new SplittableRandom(42);
            for (int i = positions - 1; i > 0; i--) {
                int j = random.nextInt(i + 1);
                int swap = queried[i];
                queried[i] = queried[j];
                queried[j] = swap;
            }
        }
        if (readModel.available((positions - 1) / WAREHOUSES, (positions - 1) % WAREHOUSES) <= 0) {
            throw new IllegalStateException("the last position was not stocked");
        }
    }

    /** Closes the engine. */
    @TearDown(Level.Trial)
    public void close() {
        engine.close();
    }

    /** Units available at the next position. */
    @Benchmark
    public long available() {
        int i = queried[next];
        next = next + 1 == positions ? 0 : next + 1;
        return readModel.available(i / WAREHOUSES, i % WAREHOUSES);
    }
}
