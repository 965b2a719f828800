package dev.purestock.cli;

import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Reason;
import dev.purestock.domain.RejectionReason;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.EngineRefusal;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.OutcomeConsumer;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardDigest;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.RetentionPolicy;
import dev.purestock.journal.SnapshotStore;
import dev.purestock.replication.Primary;
import dev.purestock.replication.ReplicationMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code purestock demo}: a flash sale on a journaled engine. Each run is one "drop": it lists the skus,
 * receives {@code --stock} more units of each under movement ids of its own drop number (so a receipt is
 * never applied twice, and a re-run has fresh stock to sell), then lets producers race to buy. A run on an
 * existing directory recovers first and goes on from the last sequence.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Runs a flash sale on a journaled engine: lists --skus products, receives --stock units of "
                + "each, then --producers threads submit --attempts purchases in total, each of --qty units of a "
                + "random sku for a random customer. Prints a key=value summary (--json: one JSON object). Run it "
                + "again on the same directory: it recovers first and continues with a new drop of stock.")
final class DemoCommand implements Callable<Integer> {
    private static final int SETUP_CHUNK = 4_096;
    /** Each shard runs threads of its own: more than this helps no demo machine. */
    private static final int MAX_SHARDS = 64;

    @Option(names = "--journal", paramLabel = "DIR", defaultValue = "data",
            converter = JournalDirOption.Converter.class,
            description = "Journal directory: an existing journal, or a missing or empty directory to start one in "
                    + "(default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--shards", paramLabel = "N", defaultValue = "1",
            description = "Engine shards (default: ${DEFAULT-VALUE}); the skus' stock spreads over warehouses 1..N, "
                    + "warehouse w on shard w %% N. A directory keeps the count it was created with.")
    int shards;

    @Option(names = "--skus", paramLabel = "N", defaultValue = "1000",
            description = "Products on sale (default: ${DEFAULT-VALUE}).")
    int skus;

    @Option(names = "--stock", paramLabel = "Q", defaultValue = "50",
            description = "Units received per sku (default: ${DEFAULT-VALUE}).")
    long stock;

    @Option(names = "--producers", paramLabel = "P", defaultValue = "2",
            description = "Submitting threads (default: ${DEFAULT-VALUE}).")
    int producers;

    @Option(names = "--attempts", paramLabel = "A", defaultValue = "100000",
            description = "Purchase attempts in total (default: ${DEFAULT-VALUE}).")
    long attempts;

    @Option(names = "--qty", paramLabel = "UNITS", defaultValue = "1",
            description = "Units per purchase (default: ${DEFAULT-VALUE}).")
    long qty;

    @Option(names = "--customers", paramLabel = "N", defaultValue = "100000",
            description = "Distinct customers (default: ${DEFAULT-VALUE}).")
    int customers;

    @Option(names = "--limit", paramLabel = "UNITS", defaultValue = "0",
            description = "Per-customer limit per sku, 0 for none (default: ${DEFAULT-VALUE}).")
    long limit;

    @Option(names = "--durability", paramLabel = "MODE", defaultValue = "PAGE_CACHE",
            description = "PAGE_CACHE or SYNC_PER_BATCH (default: ${DEFAULT-VALUE}).")
    Durability durability;

    @Option(names = "--wait", paramLabel = "STRATEGY", defaultValue = "SLEEPING",
            description = "Engine wait strategy: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, the fastest on a "
                    + "machine with fewer cores than the engine has threads).")
    WaitStrategyKind waitStrategy;

    @Option(names = "--snapshot-every", paramLabel = "N", defaultValue = "100000",
            description = "Cut a snapshot every N commands, 0 for none (default: ${DEFAULT-VALUE}).")
    long snapshotEvery;

    @Option(names = "--keep-snapshots", paramLabel = "N", defaultValue = "2",
            description = "Snapshots kept after each new one (default: ${DEFAULT-VALUE}).")
    int keepSnapshots;

    @Option(names = "--prune-on-start",
            description = "After recovering, before journaling, delete journal cycle files the oldest kept snapshot "
                    + "covers.")
    boolean pruneOnStart;

    @Option(names = "--replicate", paramLabel = "HOST:PORT",
            description = "Run as a replication primary: listen on HOST:PORT for a standby (`purestock standby`) and "
                    + "send it every journal record; one shard only.")
    String replicate;

    @Option(names = "--replication", paramLabel = "MODE", defaultValue = "ASYNC",
            description = "With --replicate: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}). SYNC answers a "
                    + "command once the standby has journaled it too; with no standby, the engine stops after 5 s.")
    ReplicationMode replication;

    @Option(names = "--replication-mtu", paramLabel = "BYTES",
            description = "With --replicate: the largest datagram records go to the standby in (default: Aeron's, "
                    + "1408); 8192 on loopback or a network with jumbo frames sends more records a system call.")
    Integer replicationMtu;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--metrics",
            description = "Also print the engine's metrics after the run (metrics.* keys: per shard, commands by "
                    + "outcome, ring, stage lags, batch sizes, journal append and sync latency, snapshots).")
    boolean metrics;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        checkArguments();
        Cli.requireJournalOrNew(dir);
        requireSameShardCount();
        PrintWriter err = spec.commandLine().getErr();
        OtherMoves others = new OtherMoves(skus, shards);
        try (Primary primary = replicate == null ? null : primary().start();
             JournaledEngine journaled = JournaledEngine.builder(dir)
                .shards(shards)
                .durability(durability)
                .snapshotEvery(snapshotEvery)
                .retention(new RetentionPolicy(keepSnapshots, pruneOnStart))
                .logRecoveryNotes(false) // printed below, as note: lines
                .engine(builder -> {
                    builder.waitStrategy(waitStrategy).consumer(others);
                    if (primary != null) {
                        primary.configure(builder);
                    }
                })
                .progress(new ProgressBar(err, "recover"))
                .start()) {
            for (int shard = 0; shard < shards; shard++) {
                String prefix = shards > 1 ? "shard " + shard + ": " : "";
                journaled.recovered(shard).notes().forEach(note -> err.println("note: " + prefix + note));
            }
            PurestockEngine engine = journaled.engine();
            long drop = nextDrop(journaled);
            others.countFrom(drop);
            long[] before = stockUp(engine, drop);

            Sale sale = new Sale(skus);
            long start = System.nanoTime();
            sell(engine, drop, sale, err);
            long nanos = Math.max(1, System.nanoTime() - start);
            long[] lastSequence = new long[shards];
            long[] stateHash = new long[shards];
            for (int shard = 0; shard < shards; shard++) {
                engine.snapshot(shard).join();
                // the digest with the sequence it covers: the timer may sequence time commands before and after it
                ShardDigest digest = engine.digestWithSequence(shard).join();
                lastSequence[shard] = digest.lastSequence();
                stateHash[shard] = digest.digest();
            }
            engine.close();

            long left = 0;
            long oversold = 0;
            boolean conserved = true;
            for (int sku = 1; sku <= skus; sku++) {
                long available = journaled.recovered(shardOf(sku)).store().available(sku, warehouseOf(sku));
                long sold = sale.soldBySku.get(sku);
                left += available;
                oversold += Math.max(0, sold - before[sku]) + (available < 0 ? 1 : 0);
                // what other commands moved meanwhile: expiries, releases and held commands that submit left
                conserved &= available == before[sku] - sold + others.moved(sku);
            }
            long commands = 0;
            long recoveredRecords = 0;
            List<Summary> perShard = new ArrayList<>();
            for (int shard = 0; shard < shards; shard++) {
                RecoveredState recovered = journaled.recovered(shard);
                commands += lastSequence[shard] + 1 - recovered.nextSequence();
                recoveredRecords += recovered.replayedRecords();
                perShard.add(new Summary()
                        .put("shard", shard)
                        .put("recovered-from", recovered.recoveredFrom())
                        .put("recovered-records", recovered.replayedRecords())
                        .put("commands", lastSequence[shard] + 1 - recovered.nextSequence())
                        .put("first-sequence", recovered.nextSequence())
                        .put("last-sequence", lastSequence[shard])
                        .put("snapshots", new SnapshotStore(journaled.layout().shardDir(shard)).list().size())
                        .put("state-hash", StateDigest.format(stateHash[shard])));
            }
            Summary summary = new Summary().put("journal", dir);
            if (shards > 1) {
                summary.put("shard-count", shards).put("durability", durability).putShards(perShard)
                        .put("recovered-records", recoveredRecords);
            } else {
                summary.put("durability", durability)
                        .put("recovered-from", journaled.recovered().recoveredFrom())
                        .put("recovered-records", recoveredRecords);
            }
            summary.put("drop", drop)
                    .put("skus", skus)
                    .put("stock-per-sku", stock)
                    .put("producers", producers)
                    .put("commands", commands)
                    .put("attempts", attempts)
                    .put("accepted", sale.accepted.get())
                    .put("rejected", attempts - sale.accepted.get());
            sale.rejections().forEach((reason, count) -> summary.put("rejected." + reason, count));
            summary.put("units-sold", sale.units.get())
                    .put("units-left", left)
                    .put("oversold", oversold)
                    .put("stock-conserved", conserved)
                    .put("elapsed-ms", nanos / 1_000_000)
                    .put("throughput", (long) (attempts * 1e9 / nanos));
            if (shards == 1) {
                summary.put("first-sequence", journaled.recovered().nextSequence())
                        .put("last-sequence", lastSequence[0])
                        .put("snapshots", new SnapshotStore(dir).list().size())
                        .put("state-hash", StateDigest.format(stateHash[0]));
            }
            if (metrics) {
                MetricsSummary.put(summary, engine.metrics());
            }
            summary.print(spec.commandLine().getOut(), output.json);
            return oversold == 0 && conserved ? 0 : PurestockCli.FAILED;
        }
    }

    /**
     * Fails when the directory already holds a journal of another shard count than {@code --shards}, in the
     * demo's own words (the engine would refuse it too): resharding is not supported.
     */
    private void requireSameShardCount() {
        JournalLayout layout = JournalLayout.of(dir);
        if (layout.isSharded() && layout.shards() != shards) {
            throw new JournalException("journal directory " + dir + " holds " + layout.shards() + " shards ("
                    + JournalLayout.SHARDS_FILE + "); this demo was run with --shards " + shards + ": resharding is "
                    + "not supported; run it with --shards " + layout.shards() + ", or give it a new directory");
        }
        if (!layout.isSharded() && shards > 1 && Cli.inspect(dir).isJournal()) {
            throw new JournalException("journal directory " + dir + " holds a one-shard journal (no "
                    + JournalLayout.SHARDS_FILE + "); this demo was run with --shards " + shards + ": resharding is "
                    + "not supported; run it with --shards 1 (the default), or give it a new directory");
        }
    }

    /** The warehouse that stocks {@code sku}: the skus spread over warehouses 1..N, one shard's each. */
    private int warehouseOf(long sku) {
        return 1 + (int) (sku % shards);
    }

    /** The shard that holds {@code sku}'s stock. */
    private int shardOf(long sku) {
        return warehouseOf(sku) % shards;
    }

    /** The replication primary's settings, from --replicate, --replication and --replication-mtu. */
    private Primary.Builder primary() {
        Primary.Builder primary = Primary.builder(dir).listen(replicate).mode(replication);
        return replicationMtu == null ? primary : primary.mtu(replicationMtu);
    }

    private void checkArguments() {
        require(shards >= 1 && shards <= MAX_SHARDS, "--shards must be between 1 and " + MAX_SHARDS + ", was "
                + shards);
        require(replicate == null || shards == 1, "--replicate replicates a one-shard engine; --shards was " + shards);
        if (replicate != null) {
            try {
                Primary.builder(dir).listen(replicate);
            } catch (IllegalArgumentException e) {
                require(false, "--replicate: " + e.getMessage());
            }
        }
        require(replicationMtu == null || replicate != null, "--replication-mtu sets the replication primary's "
                + "datagrams: it needs --replicate");
        // without a primary nothing is replicated, whatever the mode: a SYNC run would acknowledge unreplicated
        require(replicate != null || !spec.commandLine().getParseResult().hasMatchedOption("--replication"),
                "--replication " + replication + " sets how the replication primary answers: it needs --replicate");
        if (replicationMtu != null) {
            try {
                Primary.builder(dir).mtu(replicationMtu);
            } catch (IllegalArgumentException e) {
                require(false, "--replication-mtu: " + e.getMessage());
            }
        }
        require(skus >= 1 && skus <= 10_000_000, "--skus must be between 1 and 10000000, was " + skus);
        require(stock >= 1 && stock <= Limits.MAX_QUANTITY, "--stock must be between 1 and " + Limits.MAX_QUANTITY
                + ", was " + stock);
        require(producers >= 1 && producers <= 256, "--producers must be between 1 and 256, was " + producers);
        require(attempts >= 0 && attempts < (1L << 40), "--attempts must be at least 0 and below 2^40, was "
                + attempts);
        require(qty >= 1 && qty <= Limits.MAX_QUANTITY, "--qty must be between 1 and " + Limits.MAX_QUANTITY
                + ", was " + qty);
        require(customers >= 1, "--customers must be at least 1, was " + customers);
        require(limit >= 0 && limit <= Limits.MAX_QUANTITY, "--limit must be between 0 and " + Limits.MAX_QUANTITY
                + ", was " + limit);
        require(keepSnapshots >= 1, "--keep-snapshots must be at least 1, was " + keepSnapshots);
        require(snapshotEvery >= 0, "--snapshot-every must be at least 0, was " + snapshotEvery);
    }

    private void require(boolean condition, String message) {
        if (!condition) {
            throw new ParameterException(spec.commandLine(), message);
        }
    }

    /**
     * The first drop none of whose receipts is journaled, on any sku's shard: each shard journals on its own, so a
     * run killed while stocking up may have left one shard's receipt of a drop and not another's, and that drop is
     * skipped (a receipt repeated would be answered as already applied, and the sale's starting stock misread).
     */
    private long nextDrop(JournaledEngine journaled) {
        long drop = 1;
        while (anyReceived(journaled, drop)) {
            drop++;
        }
        return drop;
    }

    private boolean anyReceived(JournaledEngine journaled, long drop) {
        for (int sku = 1; sku <= skus; sku++) {
            if (journaled.recovered(shardOf(sku)).store().movement(movementId(drop, sku))
                    != InventoryState.NO_MOVEMENT) {
                return true;
            }
        }
        return false;
    }

    private static long movementId(long drop, long sku) {
        return (drop << 32) | sku;
    }

    /** Lists every sku and receives this drop's stock; returns the units available per sku afterwards. */
    private long[] stockUp(PurestockEngine engine, long drop) {
        long[] available = new long[skus + 1];
        List<dev.purestock.domain.Command> commands = new ArrayList<>(SETUP_CHUNK);
        for (int sku = 1; sku <= skus; sku++) {
            commands.add(new ListProduct(sku, limit));
            commands.add(new ReceiveStock(movementId(drop, sku), sku, warehouseOf(sku), stock));
            if (commands.size() >= SETUP_CHUNK || sku == skus) {
                for (CompletableFuture<Outcome> future : engine.submitAll(commands)) {
                    for (Event event : future.join().events()) {
                        if (event instanceof Event.StockReceived received) {
                            available[(int) received.sku()] = received.available();
                        } else if (event instanceof Event.Rejection rejection) {
                            throw new IllegalStateException("setting up the sale was refused: " + rejection);
                        }
                    }
                }
                commands.clear();
            }
        }
        return available;
    }

    private void sell(PurestockEngine engine, long drop, Sale sale, PrintWriter err) throws InterruptedException {
        CountDownLatch answered = new CountDownLatch(1);
        AtomicLong outstanding = new AtomicLong(attempts);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        if (attempts == 0) {
            answered.countDown();
        }
        OutcomeCallback callback = new OutcomeCallback() {
            @Override
            public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                sale.record(events);
                if (outstanding.decrementAndGet() == 0) {
                    answered.countDown();
                }
            }

            @Override
            public void onFailure(Throwable cause) {
                failure.compareAndSet(null, cause);
                answered.countDown();
            }
        };
        Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++) {
            long first = attempts * p / producers;
            long end = attempts * (p + 1) / producers;
            SplittableRandom random = new SplittableRandom(seed * 1_000_003 + drop * 7_919 + p);
            threads[p] = new Thread(() -> {
                for (long attempt = first; attempt < end && failure.get() == null; attempt++) {
                    long orderId = (drop << 40) | (attempt + 1);
                    long customer = 1 + random.nextInt(customers);
                    int sku = 1 + random.nextInt(skus);
                    engine.submit(new Purchase(orderId, customer, sku, warehouseOf(sku), qty), callback);
                }
            }, "demo-producer-" + p);
            threads[p].start();
        }
        long start = System.nanoTime();
        while (!answered.await(1, TimeUnit.SECONDS)) {
            long done = attempts - outstanding.get();
            long seconds = Math.max(1, (System.nanoTime() - start) / 1_000_000_000L);
            err.println("progress: " + done + "/" + attempts + " answered, " + sale.accepted.get() + " accepted, "
                    + done / seconds + " commands/s");
            err.flush();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("the engine stopped: " + failure.get().getMessage(), failure.get());
        }
    }

    /**
     * The units that commands other than the sale's purchases move at the sale's positions once this drop's receipt
     * is decided there: reservations that expire or are released, and held commands decided (a directory that
     * {@code submit} wrote may leave both, and the engine's timer decides them in the middle of the sale). A
     * consumer: it sees every sequenced command, in sequence order per shard, and a sku's position is in one shard, so
     * it counts exactly what came after the receipt that {@code before} was read from.
     */
    static final class OtherMoves implements OutcomeConsumer {
        private final int skus;
        private final int shards;
        private final AtomicLongArray moved;
        private final AtomicIntegerArray counting;
        private volatile long drop;

        OtherMoves(int skus, int shards) {
            this.skus = skus;
            this.shards = shards;
            this.moved = new AtomicLongArray(skus + 1);
            this.counting = new AtomicIntegerArray(skus + 1);
        }

        /** Counts from each sku's receipt of {@code drop} on, leaving out the purchases of that drop's sale. */
        void countFrom(long drop) {
            this.drop = drop;
        }

        /** The units other commands moved into (positive) or out of sku {@code sku}'s position. */
        long moved(int sku) {
            return moved.get(sku);
        }

        @Override
        public void onOutcome(dev.purestock.domain.Command command, Outcome outcome) {
            long current = drop;
            if (current == 0 || command instanceof Purchase purchase && purchase.orderId() >>> 40 == current) {
                return; // before the sale, or one of its own purchases, which the sale counts
            }
            for (Event event : outcome.events()) {
                switch (event) {
                    case Event.StockReceived e -> {
                        if (e.movementId() == movementId(current, e.sku()) && isSaleSku(e.sku(), e.warehouse())) {
                            counting.set((int) e.sku(), 1);
                        } else {
                            add(e.sku(), e.warehouse(), e.quantity());
                        }
                    }
                    case Event.StockWrittenOff e -> add(e.sku(), e.warehouse(), -e.quantity());
                    case Event.PurchaseAccepted e -> addLines(e.lines(), -1);
                    case Event.StockReserved e -> addLines(e.lines(), -1);
                    case Event.PurchaseCancelled e -> addLines(e.lines(), 1);
                    case Event.ReservationReleased e -> addLines(e.lines(), 1);
                    case Event.ReservationExpired e -> addLines(e.lines(), 1);
                    default -> {
                    }
                }
            }
        }

        private void addLines(List<LineChange> lines, int sign) {
            for (LineChange line : lines) {
                add(line.sku(), line.warehouse(), sign * line.quantity());
            }
        }

        private void add(long sku, int warehouse, long units) {
            if (isSaleSku(sku, warehouse) && counting.get((int) sku) == 1) {
                moved.addAndGet((int) sku, units);
            }
        }

        private boolean isSaleSku(long sku, int warehouse) {
            return sku >= 1 && sku <= skus && warehouse == 1 + (int) (sku % shards);
        }
    }

    /** Counts of the sale, updated from the completion thread. */
    private static final class Sale {
        final AtomicLong accepted = new AtomicLong();
        final AtomicLong units = new AtomicLong();
        final AtomicLongArray soldBySku;
        final AtomicLongArray rejectedByReason = new AtomicLongArray(64);

        Sale(int skus) {
            soldBySku = new AtomicLongArray(skus + 1);
        }

        void record(List<Event> events) {
            for (Event event : events) {
                if (event instanceof Event.PurchaseAccepted purchase) {
                    accepted.incrementAndGet();
                    for (LineChange line : purchase.lines()) {
                        units.addAndGet(line.quantity());
                        soldBySku.addAndGet((int) line.sku(), line.quantity());
                    }
                } else if (event instanceof Event.Rejection rejection) {
                    rejectedByReason.incrementAndGet(rejection.reason().code());
                }
            }
        }

        /** Rejections by reason, the domain's and the engine's, in the order of their codes. */
        Map<RejectionReason, Long> rejections() {
            Map<RejectionReason, Long> byReason = new LinkedHashMap<>();
            count(Reason.values(), byReason);
            count(EngineRefusal.values(), byReason);
            return byReason;
        }

        private void count(RejectionReason[] reasons, Map<RejectionReason, Long> byReason) {
            for (RejectionReason reason : reasons) {
                long count = rejectedByReason.get(reason.code());
                if (count > 0) {
                    byReason.put(reason, count);
                }
            }
        }
    }
}
