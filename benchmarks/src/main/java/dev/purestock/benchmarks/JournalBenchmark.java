package dev.purestock.benchmarks;

import dev.purestock.benchmarks.journal.JournalFixtures;
import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardState;
import dev.purestock.engine.StoreCapacity;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalStats;
import dev.purestock.journal.JournalVerifier;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.journal.SnapshotStore;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycles;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The journal's cost against its ceilings, measured in the same run:
 * <ul>
 *   <li>{@code engineJournaled} (commands/s through a one-shard engine journaling every command) against
 *   {@code rawAppend} (Chronicle appends of the same record bytes, in documents laid out as the writer lays out a
 *   batch of {@link #BATCH} at the same document limit, nothing else), for both {@link Durability} settings and both
 *   document limits, with {@code engineWithoutJournal} (the same engine and submit loop, no
 *   journal stage) to show how much of the gap is the engine's own cost;</li>
 *   <li>{@code engineJournaledPurchases} and {@code engineJournaledPurchaseFields} (purchases/s through a
 *   journaled engine, page cache, answered through a view callback), the same purchases submitted as records
 *   and as fields: what the command record costs on the way; {@code engineJournaledPurchaseFieldsSnapshotting}
 *   the fields path in its steady state with a snapshot every million commands. These rows, as
 *   {@code engineJournaled} and {@code engineWithoutJournal}, submit a batch and wait for all its answers before
 *   the next, so the pipeline runs dry between batches; {@code engineJournaledPurchaseFieldsPipelined} keeps two
 *   batches in flight, the steady state's rate with the engine fed;</li>
 *   <li>{@code writer}: the journal stage alone ({@link JournalWriter#onDecided}, encoding and appending, a batch
 *   of {@link #BATCH} commands per operation). Both it and {@code engineJournaled} run with the writer's
 *   document limit at its default ({@code documentBytes=65536}: the records of a batch share documents) and at
 *   {@code 0} (one document per record, as before batch documents);</li>
 *   <li>{@code replay} (records/s rebuilt into a store: read, checksum, decode, evolve) against
 *   {@code rawRead} (Chronicle reads of the documents holding the same records into a byte array, counted per
 *   record), with {@code readDecoded}
 *   (read, checksum, decode; no evolve) to show where the time goes, {@code verify} (what
 *   {@code purestock verify} does per record: read, checksum, decode the record whole, decide its command again,
 *   compare, evolve) and {@code stats} (what {@code purestock stats} does per record: read, checksum, decode,
 *   count);</li>
 *   <li>{@code snapshotWrite} and {@code snapshotLoad} of a million skus.</li>
 * </ul>
 */
public class JournalBenchmark {
    /** Commands per measured operation of the append benchmarks. */
    public static final int BATCH = 1_000;
    /** Records in the replayed journal. */
    public static final int REPLAY_RECORDS = 200_000;
    /** Skus the purchase workload spreads over. */
    public static final int PURCHASE_SKUS = 1_024;
    /** Orders a second the steady-state rows size their state for, times the window: above any rate seen here. */
    static final int STEADY_ORDERS_PER_SECOND = 3_000_000;
    /**
     * The most orders a long window's state is sized for ({@code -p retainSeconds=86400}, the default 24 hours):
     * more than a run of a few dozen seconds takes, so nothing is forgotten and the state fills its capacity.
     */
    static final int LONG_WINDOW_ORDERS = 8_000_000;
    /** Customers of the purchase workload (order ids modulo 2^20), with room: each buys one sku. */
    static final int CUSTOMERS = 1 << 21;
    /** Skus in the snapshot benchmarks. */
    public static final int SNAPSHOT_SKUS = 1_000_000;

    /** A journaled one-shard engine. */
    @State(Scope.Benchmark)
    public static class EngineState {
        @Param({"PAGE_CACHE", "SYNC_PER_BATCH"})
        public Durability durability;

        /** How the engine's stage threads wait. */
        @Param({"BLOCKING"})
        public WaitStrategyKind waitStrategy;

        /** The journal writer's document limit ({@link JournalWriter#documentBytes}). */
        @Param({"65536", "0"})
        public int documentBytes;

        Path dir;
        PurestockEngine engine;
        long next;

        @Setup(Level.Trial)
        public void start() {
            dir = JournalFixtures.temporaryDirectory("journal-bench-engine");
            engine = PurestockEngine.builder()
                    .shards(1)
                    .initialState(shard -> new ShardState(new PrimitiveInventoryStore(), 0, Long.MIN_VALUE))
                    .journal(shard -> JournalWriter.open(dir, durability).documentBytes(documentBytes))
                    .waitStrategy(waitStrategy)
                    .build();
        }

        @TearDown(Level.Trial)
        public void stop() {
            engine.close();
            JournalFixtures.delete(dir);
        }
    }

    /** The same one-shard engine with no journal stage. */
    @State(Scope.Benchmark)
    public static class BareEngineState {
        /** How the engine's stage threads wait. */
        @Param({"BLOCKING"})
        public WaitStrategyKind waitStrategy;

        PurestockEngine engine;
        long next;

        @Setup(Level.Trial)
        public void start() {
            engine = PurestockEngine.builder()
                    .shards(1)
                    .initialState(shard -> new ShardState(new PrimitiveInventoryStore(), 0, Long.MIN_VALUE))
                    .waitStrategy(waitStrategy)
                    .build();
        }

        @TearDown(Level.Trial)
        public void stop() {
            engine.close();
        }
    }

    /**
     * A journaled one-shard engine (page cache) with {@link #PURCHASE_SKUS} skus listed and stocked without end,
     * for the purchase workload: every purchase is accepted and journaled with its order.
     */
    @State(Scope.Benchmark)
    public static class PurchaseEngineState {
        /** How the engine's stage threads wait. */
        @Param({"BLOCKING"})
        public WaitStrategyKind waitStrategy;

        /**
         * How long the engine remembers an order: {@code forever} (the store grows by every order, as an engine
         * without retention does), or a window in seconds with the state sized ahead for it
         * ({@link PurestockEngine.Builder#storeCapacity}), so that once the window is full every new order reuses
         * a forgotten one's room: the steady state of a long sale. A window longer than a run
         * ({@code -p retainSeconds=86400}, the default window) forgets nothing, and its state is sized for
         * {@link #LONG_WINDOW_ORDERS} at most: orders accumulate within the capacity given.
         */
        @Param({"forever", "1"})
        public String retainSeconds;

        /**
         * Commands between two snapshots, written to the journal directory by the journal's {@link SnapshotStore}
         * (keeping the newest two); {@code 0} (the default), none. A snapshot of this engine's state is written
         * while purchases flow, and the commands decided meanwhile are kept aside by the snapshot stage.
         */
        @Param({"0"})
        public long snapshotEvery;

        /**
         * The orders a window's state is sized for; {@code 0}, the default: {@link #STEADY_ORDERS_PER_SECOND} times
         * the window, at most {@link #LONG_WINDOW_ORDERS}.
         */
        int sizedOrders;

        Path dir;
        PurestockEngine engine;
        long next;

        @Setup(Level.Trial)
        public void start() {
            dir = JournalFixtures.temporaryDirectory("journal-bench-purchases");
            PurestockEngine.Builder builder = PurestockEngine.builder()
                    .shards(1)
                    .journal(shard -> JournalWriter.open(dir, Durability.PAGE_CACHE))
                    .waitStrategy(waitStrategy);
            if (snapshotEvery > 0) {
                builder.snapshotEvery(snapshotEvery).snapshotWriter(shard -> new SnapshotStore(dir, 2));
            }
            if (!retainSeconds.equals("forever")) {
                int orders = sizedOrders > 0 ? sizedOrders : (int) Math.min(LONG_WINDOW_ORDERS,
                        (long) STEADY_ORDERS_PER_SECOND * Long.parseLong(retainSeconds));
                builder.retainOrdersFor(Duration.ofSeconds(Long.parseLong(retainSeconds)))
                        .storeCapacity(new StoreCapacity(2 * PURCHASE_SKUS, orders, CUSTOMERS));
            }
            engine = builder.build();
            for (int sku = 0; sku < PURCHASE_SKUS; sku++) {
                engine.submit(new Command.ListProduct(sku, 0));
                engine.submit(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
            }
            engine.digest(0).join();
        }

        @TearDown(Level.Trial)
        public void stop() {
            engine.close();
            JournalFixtures.delete(dir);
        }
    }

    /**
     * {@link PurchaseEngineState}'s steady state (a one-second window, the state sized ahead) with a snapshot every
     * {@link #SNAPSHOT_EVERY} commands written to the journal directory while purchases flow: the garbage-free path
     * with periodic snapshots on.
     */
    @State(Scope.Benchmark)
    public static class SnapshottingEngineState {
        /** Commands between two snapshots. */
        static final long SNAPSHOT_EVERY = 1_000_000;

        /** How the engine's stage threads wait. */
        @Param({"BLOCKING"})
        public WaitStrategyKind waitStrategy;

        final PurchaseEngineState purchases = new PurchaseEngineState();

        @Setup(Level.Trial)
        public void start() {
            purchases.waitStrategy = waitStrategy;
            purchases.retainSeconds = "1";
            purchases.snapshotEvery = SNAPSHOT_EVERY;
            purchases.start();
        }

        @TearDown(Level.Trial)
        public void stop() {
            purchases.stop();
        }
    }

    /**
     * {@link PurchaseEngineState}'s steady state (a one-second window) fed by a producer that keeps two batches of
     * {@link #BATCH} purchases in flight: it submits the next batch before it waits for the answers of the one
     * before, so the engine has a batch to work on while the producer waits and wakes, where the rows that submit a
     * batch at a time let the pipeline run dry after each. The engine's ring (1,024 slots) holds the producer back
     * as it would any caller: the next batch goes in as the slots of the one before come free. Each iteration
     * starts with one batch in flight, submitted before it is timed; each measured operation waits for one batch's
     * answers, so what is counted is batches answered; and the iteration's end waits for the last batch's answers,
     * so nothing submitted in one iteration is answered in the next or after the engine is closed.
     *
     * <p>The state is sized for {@link #FED_ORDERS_PER_SECOND} over the window and the time command's period (an
     * order is forgotten at the first time command after its window), the most orders it remembers at once at
     * that rate; the rows that submit a batch at a time are sized for {@link #STEADY_ORDERS_PER_SECOND} over the
     * window.
     */
    @State(Scope.Thread)
    public static class PipelinedEngineState {
        /** Orders a second the state is sized for: above the 16-core goal of one shard (5 M commands/s). */
        static final long FED_ORDERS_PER_SECOND = 8_000_000;
        /** The retention window. */
        static final long WINDOW_SECONDS = 1;

        /** How the engine's stage threads wait. */
        @Param({"BLOCKING"})
        public WaitStrategyKind waitStrategy;

        final PurchaseEngineState purchases = new PurchaseEngineState();
        /** The two batches' answers, used in turn. */
        private final BatchAnswers[] batches = {new BatchAnswers(), new BatchAnswers()};
        /** Which of {@link #batches} was submitted last. */
        private int last;

        @Setup(Level.Trial)
        public void start() {
            purchases.waitStrategy = waitStrategy;
            purchases.retainSeconds = Long.toString(WINDOW_SECONDS);
            purchases.sizedOrders = (int) (FED_ORDERS_PER_SECOND
                    * (WINDOW_SECONDS + PurestockEngine.Builder.DEFAULT_EXPIRE_RESERVATIONS_EVERY.toSeconds()));
            purchases.start();
        }

        /** Puts the first batch in flight before the iteration is timed. */
        @Setup(Level.Iteration)
        public void fill() {
            submit(batches[last]);
        }

        /** Waits for the answers of the batch still in flight: none is left for the next iteration. */
        @TearDown(Level.Iteration)
        public void drain() throws InterruptedException {
            batches[last].await();
        }

        @TearDown(Level.Trial)
        public void stop() {
            purchases.stop();
        }

        /** Submits the next batch, then waits for the answers of the batch before it. */
        void next() throws InterruptedException {
            BatchAnswers before = batches[last];
            last ^= 1;
            submit(batches[last]);
            before.await();
        }

        private void submit(BatchAnswers answers) {
            answers.expect(BATCH);
            purchases.next = submitPurchases(purchases.engine, purchases.next, true, answers);
        }
    }

    /**
     * The answers to one batch of purchases, counted down by the engine's completion thread, for a producer to wait
     * on: reused for batch after batch, so that nothing is allocated per purchase or per batch. Each refused
     * purchase is kept, the first one, to refuse the run.
     */
    static final class BatchAnswers implements OutcomeViewCallback {
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicReference<Object> refused = new AtomicReference<>();
        private volatile Thread waiter;

        /** Expects {@code answers} answers: before the batch is submitted, and only once the last batch's are in. */
        void expect(int answers) {
            pending.set(answers);
        }

        @Override
        public void onOutcome(OutcomeView outcome) {
            if (!outcome.accepted()) {
                refused.compareAndSet(null, outcome.reason());
            }
            answered();
        }

        @Override
        public void onFailure(Throwable cause) {
            refused.compareAndSet(null, cause);
            answered();
        }

        private void answered() {
            if (pending.decrementAndGet() == 0) {
                Thread parked = waiter;
                if (parked != null) {
                    LockSupport.unpark(parked);
                }
            }
        }

        /**
         * Parks until every answer is in (the last one unparks this thread: it is named as the waiter before the
         * count is read, and the count reaches 0 before the waiter is read), then refuses a batch with a purchase
         * refused.
         */
        void await() throws InterruptedException {
            waiter = Thread.currentThread();
            while (pending.get() != 0) {
                LockSupport.park(this);
                if (Thread.interrupted()) {
                    throw new InterruptedException("interrupted waiting for " + pending.get() + " answers");
                }
            }
            if (refused.get() != null) {
                throw new IllegalStateException("the benchmark measures accepted purchases, but one was refused: "
                        + refused.get());
            }
        }
    }

    /**
     * A bare Chronicle queue and the same records the engine journals, in documents laid out as the journal writer lays
     * out a batch of them at the same document limit ({@link JournalFixtures#documents}).
     */
    @State(Scope.Benchmark)
    public static class RawAppendState {
        @Param({"PAGE_CACHE", "SYNC_PER_BATCH"})
        public Durability durability;

        /**
         * The document limit, as {@link EngineState#documentBytes}: {@code 65536} (the writer's default), the batch's
         * records share documents; {@code 0}, a document per record (what every row recorded without it did).
         */
        @Param({"65536", "0"})
        public int documentBytes;

        Path dir;
        SingleChronicleQueue queue;
        ExcerptAppender appender;
        byte[][] documents;

        @Setup(Level.Trial)
        public void open() {
            dir = JournalFixtures.temporaryDirectory("journal-bench-raw");
            queue = SingleChronicleQueueBuilder.binary(dir).rollCycle(RollCycles.FAST_DAILY)
                    .syncMode(durability == Durability.SYNC_PER_BATCH ? SyncMode.SYNC : SyncMode.NONE).build();
            appender = queue.createAppender();
            documents = JournalFixtures.documents(JournalFixtures.encodedRecords(BATCH), documentBytes);
        }

        @TearDown(Level.Trial)
        public void close() {
            appender.close();
            queue.close();
            JournalFixtures.delete(dir);
        }
    }

    /** The journal writer alone, and the workload's decided commands to feed it. */
    @State(Scope.Benchmark)
    public static class WriterState {
        @Param({"PAGE_CACHE", "SYNC_PER_BATCH"})
        public Durability durability;

        /** The writer's document limit ({@link JournalWriter#documentBytes}). */
        @Param({"65536", "0"})
        public int documentBytes;

        Path dir;
        JournalWriter writer;
        Command[] commands;
        List<List<Event>> events;
        long next;

        @Setup(Level.Trial)
        public void open() {
            dir = JournalFixtures.temporaryDirectory("journal-bench-writer");
            writer = JournalWriter.open(dir, durability).documentBytes(documentBytes);
            commands = new Command[BATCH];
            events = new ArrayList<>(BATCH);
            for (int i = 0; i < BATCH; i++) {
                commands[i] = JournalFixtures.command(i);
                events.add(JournalFixtures.events(i));
            }
        }

        @TearDown(Level.Trial)
        public void close() {
            writer.close();
            JournalFixtures.delete(dir);
        }
    }

    /** A journal of {@link #REPLAY_RECORDS} records. */
    @State(Scope.Benchmark)
    public static class ReplayState {
        Path dir;
        byte[] buffer = new byte[2 * JournalWriter.DEFAULT_DOCUMENT_BYTES];

        @Setup(Level.Trial)
        public void write() {
            dir = JournalFixtures.temporaryDirectory("journal-bench-replay");
            JournalFixtures.writeJournal(dir, REPLAY_RECORDS);
        }

        @TearDown(Level.Trial)
        public void delete() {
            JournalFixtures.delete(dir);
        }
    }

    /** A million skus, and a snapshot of them to load. */
    @State(Scope.Benchmark)
    public static class SnapshotState {
        Path dir;
        InventoryStore store;
        SnapshotStore snapshots;
        long sequence;

        @Setup(Level.Trial)
        public void fill() throws Exception {
            dir = JournalFixtures.temporaryDirectory("journal-bench-snapshot");
            store = JournalFixtures.storeWithSkus(SNAPSHOT_SKUS);
            snapshots = new SnapshotStore(dir, 1);
            snapshots.write(sequence++, 0, store);
        }

        @TearDown(Level.Trial)
        public void delete() {
            JournalFixtures.delete(dir);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engineJournaled(EngineState state) throws InterruptedException {
        state.next = submitBatch(state.engine, state.next);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engineWithoutJournal(BareEngineState state) throws InterruptedException {
        state.next = submitBatch(state.engine, state.next);
    }

    /**
     * {@link #BATCH} purchases through the journaled engine, each submitted as a {@code Purchase} record and
     * answered through a view callback: the record path, to compare with {@link #engineJournaledPurchaseFields}.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engineJournaledPurchases(PurchaseEngineState state) throws InterruptedException {
        state.next = submitPurchases(state.engine, state.next, false);
    }

    /**
     * {@link #engineJournaledPurchases} submitting each purchase as its fields
     * ({@link PurestockEngine#submitPurchase}): no command record from producer to journal to answer.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engineJournaledPurchaseFields(PurchaseEngineState state) throws InterruptedException {
        state.next = submitPurchases(state.engine, state.next, true);
    }

    /**
     * {@link #engineJournaledPurchaseFields} in the steady state with periodic snapshots on
     * ({@link SnapshottingEngineState}): the commands decided while a snapshot is written are kept aside by the
     * snapshot stage and applied to its copy after.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engineJournaledPurchaseFieldsSnapshotting(SnapshottingEngineState state) throws InterruptedException {
        PurchaseEngineState purchases = state.purchases;
        purchases.next = submitPurchases(purchases.engine, purchases.next, true);
    }

    /**
     * {@link #engineJournaledPurchaseFields} in the steady state with two batches in flight
     * ({@link PipelinedEngineState}): each operation submits a batch and waits for the answers of the one before,
     * so the engine is not left idle while the producer waits and wakes. The rate to judge one journaled shard by.
     */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void engineJournaledPurchaseFieldsPipelined(PipelinedEngineState state) throws InterruptedException {
        state.next();
    }

    /** Submits {@link #BATCH} purchases from order {@code next} on, as records or as fields, and waits for every answer. */
    private static long submitPurchases(PurestockEngine engine, long next, boolean asFields)
            throws InterruptedException {
        CountDownLatch answered = new CountDownLatch(BATCH);
        AtomicReference<Object> refused = new AtomicReference<>();
        OutcomeViewCallback callback = new OutcomeViewCallback() {
            @Override
            public void onOutcome(OutcomeView outcome) {
                if (!outcome.accepted()) {
                    refused.compareAndSet(null, outcome.reason());
                }
                answered.countDown();
            }

            @Override
            public void onFailure(Throwable cause) {
                refused.compareAndSet(null, cause);
                answered.countDown();
            }
        };
        long after = submitPurchases(engine, next, asFields, callback);
        answered.await();
        if (refused.get() != null) {
            throw new IllegalStateException("the benchmark measures accepted purchases, but one was refused: "
                    + refused.get());
        }
        return after;
    }

    /**
     * Submits {@link #BATCH} purchases from order {@code next} on, as records or as fields, each answered to
     * {@code callback}, without waiting for an answer; the next order id.
     */
    private static long submitPurchases(PurestockEngine engine, long next, boolean asFields,
                                        OutcomeViewCallback callback) {
        for (long order = next; order < next + BATCH; order++) {
            long customer = order & 0xFFFFF;
            long sku = order % PURCHASE_SKUS;
            if (asFields) {
                engine.submitPurchase(order, customer, sku, 0, 1, callback);
            } else {
                engine.submit(new Command.Purchase(order, customer, sku, 0, 1), callback);
            }
        }
        return next + BATCH;
    }

    /**
     * Submits {@link #BATCH} workload commands from {@code next} on and waits for every answer; the next command
     * number. A command the engine failed counts as answered, and the batch then throws with the first failure.
     * {@link ReplicationBenchmark} drives its engines the same way.
     */
    static long submitBatch(PurestockEngine engine, long next) throws InterruptedException {
        CountDownLatch answered = new CountDownLatch(BATCH);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        OutcomeCallback callback = new OutcomeCallback() {
            @Override
            public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                answered.countDown();
            }

            @Override
            public void onFailure(Throwable cause) {
                // a callback that throws is logged and dropped by the engine: the batch would wait for it forever
                failed.compareAndSet(null, cause);
                answered.countDown();
            }
        };
        for (int i = 0; i < BATCH; i++) {
            engine.submit(JournalFixtures.command(next + i), callback);
        }
        answered.await();
        if (failed.get() != null) {
            throw new IllegalStateException("the engine failed a command of the batch; the run measured the wrong thing",
                    failed.get());
        }
        return next + BATCH;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void rawAppend(RawAppendState state) {
        for (byte[] bytes : state.documents) {
            try (DocumentContext document = state.appender.writingDocument()) {
                document.wire().bytes().write(bytes, 0, bytes.length);
            }
        }
        if (state.durability == Durability.SYNC_PER_BATCH) {
            state.appender.sync();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(BATCH)
    public void writer(WriterState state) {
        long next = state.next;
        for (int i = 0; i < BATCH; i++) {
            state.writer.onDecided(next + i, next + i, state.commands[i], state.events.get(i), i == BATCH - 1);
        }
        state.next = next + BATCH;
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(REPLAY_RECORDS)
    public long replay(ReplayState state) {
        return JournalRecovery.recoverWithoutSnapshots(state.dir, PrimitiveInventoryStore::new, ReplayProgress.NONE)
                .replayedEvents();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(REPLAY_RECORDS)
    public long verify(ReplayState state) {
        JournalVerifier.Result result = JournalVerifier.verify(state.dir, PrimitiveInventoryStore::new,
                ReplayProgress.NONE);
        if (!result.matches()) {
            throw new IllegalStateException(result.divergence());
        }
        return result.records();
    }

    /** What {@code purestock stats} does per record: read, checksum, decode, count. */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(REPLAY_RECORDS)
    public long stats(ReplayState state) {
        return JournalStats.of(state.dir).records();
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(REPLAY_RECORDS)
    public long readDecoded(ReplayState state) {
        try (JournalReader reader = JournalReader.open(state.dir)) {
            return reader.read((index, record) -> true);
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(REPLAY_RECORDS)
    public long rawRead(ReplayState state) {
        long sum = 0;
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(state.dir).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        return sum;
                    }
                    var bytes = document.wire().bytes();
                    int length = (int) bytes.readRemaining();
                    bytes.read(state.buffer, 0, length);
                    sum += state.buffer[length - 1];
                }
            }
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public void snapshotWrite(SnapshotState state) throws Exception {
        state.snapshots.write(state.sequence++, 0, state.store);
    }

    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    public InventoryStore snapshotLoad(SnapshotState state) {
        return state.snapshots.loadNewest(Long.MAX_VALUE, () -> new PrimitiveInventoryStore(SNAPSHOT_SKUS),
                new ArrayList<>()).orElseThrow().store();
    }
}
