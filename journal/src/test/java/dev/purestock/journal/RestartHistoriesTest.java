package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Line;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.ShardDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random histories of a journaled engine restarted again and again: purchases, orders and reservations under ids
 * that come back (repeats, repeats of forgotten orders, cancels of forgotten ones), holds, batches and time commands
 * that expire and forget within a short window, with periodic and asked-for snapshots cut while commands flow (kept
 * aside during writes), snapshots kept few and cycles pruned on some starts, the newest snapshot damaged before some
 * starts, on one to three shards, the timer on or off. Every decision the engines answered, across every restart, is
 * the decision of the rules over the commands before it in its shard (so a restart changes no answer: a late repeat
 * or cancel of a forgotten order is answered as it would have been without it); each start recovers exactly that
 * state, the live engine after it agrees with its journal, and each shard's journal verifies at the end.
 */
class RestartHistoriesTest {
    private static final long NOW = 1_700_000_000_000L;
    private static final long WINDOW = 1_000;
    private static final int SEEDS = 6;

    @TempDir
    Path root;

    private final AtomicLong clock = new AtomicLong(NOW);
    /** Every command answered, the timer's included, with its outcome: what the reference decides again. */
    private final ConcurrentLinkedQueue<Answered> answered = new ConcurrentLinkedQueue<>();

    private record Answered(Command command, Outcome outcome) {
    }

    @Test
    void everyAnswerAcrossRestartsIsTheRulesDecisionAndEveryStartRecoversIt() throws Exception {
        for (long seed = 0; seed < SEEDS; seed++) {
            history(seed);
        }
    }

    private void history(long seed) throws Exception {
        Path dir = root.resolve("history-" + seed);
        Random random = new Random(seed);
        int shards = 1 + random.nextInt(3);
        boolean timer = random.nextBoolean();
        String history = "seed " + seed + " (" + shards + " shards, timer " + (timer ? "on" : "off") + ")";
        answered.clear();
        clock.set(NOW);
        JournaledEngine journaled = start(dir, random, shards, timer);
        try {
            PurestockEngine engine = journaled.engine();
            engine.submit(new Command.ListProduct(1, 3)).join();
            engine.submit(new Command.ListProduct(2, 0)).join();
            for (int warehouse = 0; warehouse < 3; warehouse++) {
                engine.submit(new Command.ReceiveStock(1 + 2 * warehouse, 1, warehouse, 200)).join();
                engine.submit(new Command.ReceiveStock(2 + 2 * warehouse, 2, warehouse, 200)).join();
            }
            long holdId = 1;
            for (int round = 0; round < 300; round++) {
                List<Command> commands = new ArrayList<>();
                for (int i = 1 + random.nextInt(12); i > 0; i--) {
                    commands.add(command(random, holdId++, timer));
                }
                clock.addAndGet(random.nextInt(120));
                for (CompletableFuture<Outcome> outcome : journaled.engine().submitAll(commands)) {
                    outcome.join();
                }
                if (random.nextInt(20) == 0) {
                    journaled.engine().snapshot(random.nextInt(shards)).join();
                }
                if (random.nextInt(40) == 0) {
                    journaled.close();
                    List<MapInventoryStore> decided = decidedAgain(shards, history);
                    if (random.nextInt(3) == 0) {
                        damageNewestSnapshot(shardDir(dir, shards, random.nextInt(shards)));
                    }
                    for (int shard = 0; shard < shards; shard++) {
                        assertEquals(digest(decided.get(shard)), digest(JournalRecovery.recover(shardDir(dir, shards, shard),
                                PrimitiveInventoryStore::new, ReplayProgress.NONE).store()), history + ", shard " + shard);
                    }
                    journaled = start(dir, random, shards, timer);
                    for (int shard = 0; shard < shards; shard++) {
                        // the timer may decide more at once: the live state is the journal's up to the digest's sequence
                        ShardDigest live = journaled.engine().digestWithSequence(shard).join();
                        assertEquals(StateDigest.format(live.digest()), digest(JournalRecovery.recoverUntil(
                                shardDir(dir, shards, shard), live.lastSequence(), Long.MAX_VALUE, true,
                                MapInventoryStore::new, ReplayProgress.NONE).store()), history + ", live shard " + shard);
                    }
                }
            }
        } finally {
            journaled.close();
        }
        List<MapInventoryStore> decided = decidedAgain(shards, history);
        for (int shard = 0; shard < shards; shard++) {
            Path shardDir = shardDir(dir, shards, shard);
            JournalVerifier.Result verified = JournalVerifier.verify(shardDir, MapInventoryStore::new, ReplayProgress.NONE);
            assertTrue(verified.matches(), history + ", shard " + shard + ": " + verified.divergence());
            assertEquals(digest(decided.get(shard)), digest(JournalRecovery.recover(shardDir, PrimitiveInventoryStore::new,
                    ReplayProgress.NONE).store()), history + ", shard " + shard);
        }
    }

    private JournaledEngine start(Path dir, Random random, int shards, boolean timer) {
        long snapshotEvery = random.nextBoolean() ? 0 : 5 + random.nextInt(60);
        RetentionPolicy retention = new RetentionPolicy(1 + random.nextInt(2), random.nextInt(4) == 0);
        return JournaledEngine.builder(dir).shards(shards).snapshotEvery(snapshotEvery).retention(retention)
                .engine(builder -> builder.clock(clock::get).ringSize(64).retainOrdersFor(Duration.ofMillis(WINDOW))
                        .expireReservationsEvery(timer ? Duration.ofMillis(2) : Duration.ZERO)
                        .consumer((command, outcome) -> answered.add(new Answered(command, outcome))))
                .start();
    }

    /**
     * The state of each shard after deciding again, with the rules, every command its engines answered, in sequence
     * order; each answer must be that decision, and the sequences must follow on across the restarts.
     */
    private List<MapInventoryStore> decidedAgain(int shards, String history) {
        List<MapInventoryStore> states = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            int of = shard;
            List<Answered> inShard = new ArrayList<>(answered.stream().filter(a -> a.outcome().shard() == of).toList());
            inShard.sort(Comparator.comparingLong(a -> a.outcome().sequence()));
            MapInventoryStore state = new MapInventoryStore();
            long sequence = 0;
            for (Answered a : inShard) {
                assertEquals(sequence++, a.outcome().sequence(), history + ", shard " + shard + ": sequences follow on");
                List<Event> events = Inventory.decide(a.command(), a.outcome().time(), state);
                assertEquals(events, a.outcome().events(), history + ", shard " + shard + ", seq " + a.outcome().sequence()
                        + ": " + a.command());
                Inventory.evolveAll(state, a.outcome().time(), events);
            }
            states.add(state);
        }
        return states;
    }

    private Command command(Random random, long holdId, boolean timer) {
        long order = 1 + random.nextInt(60);
        long customer = 1 + random.nextInt(5);
        long sku = 1 + random.nextInt(2);
        int warehouse = (int) (order % 3); // an order id keeps its warehouse, and so its shard
        return switch (random.nextInt(14)) {
            case 0, 1, 2 -> new Command.Purchase(order, customer, sku, warehouse, 1 + random.nextInt(2));
            case 3 -> new Command.PlaceOrder(order, customer, List.of(new Line(1, warehouse, 1), new Line(2, warehouse, 1)));
            case 4 -> new Command.Reserve(order, customer, List.of(new Line(sku, warehouse, 1)),
                    clock.get() + 50 + random.nextInt(1_500));
            case 5 -> new Command.ConfirmReservation(order);
            case 6 -> new Command.ReleaseReservation(order);
            case 7 -> new Command.CancelPurchase(order);
            case 8, 9 -> timer ? new Command.Purchase(order, customer, sku, warehouse, 1) : new Command.ExpireReservations(WINDOW);
            case 10 -> new Command.Hold(holdId, clock.get() + random.nextInt(1_500), random.nextBoolean()
                    ? new Command.Purchase(order, customer, sku, warehouse, 1) : new Command.CancelPurchase(order));
            case 11 -> new Command.CancelHold(Math.max(1, holdId - random.nextInt(10)));
            case 12 -> new Command.ReceiveStock(1_000 + holdId, sku, warehouse, 1 + random.nextInt(3));
            default -> new Command.Batch(random.nextBoolean() ? Command.Batch.Mode.ATOMIC : Command.Batch.Mode.INDEPENDENT,
                    List.of(new Command.Purchase(order, customer, sku, warehouse, 1), new Command.CancelPurchase(order)));
        };
    }

    private static Path shardDir(Path dir, int shards, int shard) {
        return shards == 1 ? dir : dir.resolve("shard-" + shard);
    }

    /**
     * Flips a byte inside the newest snapshot of {@code shardDir}, as a disk might: the start falls back to an older
     * snapshot or to the journal's start. Left alone when a prune took the journal's start, which the fall back needs.
     */
    private static void damageNewestSnapshot(Path shardDir) throws IOException {
        Path snapshots = shardDir.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return;
        }
        try (JournalReader reader = JournalReader.open(shardDir)) {
            if (JournalBounds.of(reader).firstSequence() != 0) {
                return;
            }
        }
        Path newest;
        try (var files = Files.list(snapshots)) {
            newest = files.filter(f -> f.getFileName().toString().endsWith(".bin")).max(Comparator.naturalOrder()).orElse(null);
        }
        if (newest != null) {
            byte[] bytes = Files.readAllBytes(newest);
            bytes[bytes.length / 2] ^= 0x10;
            Files.write(newest, bytes);
        }
    }

    private static String digest(InventoryStore store) {
        return StateDigest.format(StateDigest.of(store));
    }
}
