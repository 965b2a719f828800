package dev.purestock.benchmarks;

import dev.purestock.benchmarks.baseline.LockBasedInventoryService;
import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The naive alternative: {@link LockBasedInventoryService} (a bounded blocking queue, one worker, the same
 * decide and evolve over a locked map store, a future per request) under the same workload as
 * {@link EngineBenchmark}: purchases that are all accepted, a fresh service per iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LockBasedBaselineBenchmark {
    private LockBasedInventoryService service;

    /** A fresh service with every sku listed and stocked. */
    @Setup(Level.Iteration)
    public void start() throws InterruptedException {
        service = new LockBasedInventoryService(EngineBenchmark.RING_SIZE, System::currentTimeMillis);
        CompletableFuture<?> last = null;
        for (int sku = 0; sku < EngineBenchmark.SKUS; sku++) {
            service.submit(new Command.ListProduct(sku, 0));
            last = service.submit(new Command.ReceiveStock(sku + 1, sku, EngineBenchmark.WAREHOUSE,
                    Limits.MAX_QUANTITY));
        }
        last.join();
    }

    /** Drains and stops the worker. */
    @TearDown(Level.Iteration)
    public void stop() throws InterruptedException {
        service.close();
    }

    /** One producer thread's order ids. */
    @State(Scope.Thread)
    public static class Producer {
        private long nextOrder;

        /** Gives each thread its own range of order ids. */
        @Setup(Level.Trial)
        public void ids(ThreadParams thread) {
            nextOrder = (long) thread.getThreadIndex() << 40;
        }

        Command next() {
            long order = nextOrder++;
            return new Command.Purchase(order, order & 0xFFFFF, order % EngineBenchmark.SKUS,
                    EngineBenchmark.WAREHOUSE, 1);
        }
    }

    /** One producer thread. */
    @Benchmark
    @Threads(1)
    public CompletableFuture<?> oneProducer(Producer producer) throws InterruptedException {
        return service.submit(producer.next());
    }

    /** Four producer threads. */
    @Benchmark
    @Threads(4)
    public CompletableFuture<?> fourProducers(Producer producer) throws InterruptedException {
        return service.submit(producer.next());
    }
}
