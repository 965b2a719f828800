package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalRollCycle;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.journal.RecoveredState;
import dev.purestock.journal.ReplayProgress;
import dev.purestock.journal.SnapshotInfo;
import dev.purestock.journal.SnapshotStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills {@code purestock snapshot} and {@code purestock prune}, each in a child JVM, with SIGKILL at random
 * points, again and again on one journal that grows between kills, and checks after each kill that nothing
 * was lost: recovery (from whatever snapshot it picks) gives the state and next sequence a full replay of the
 * journal gives, every snapshot the manifest lists loads and is not ahead of the journal, {@code verify}
 * passes, and the next {@code snapshot} or {@code prune} completes.
 *
 * <p>A kill point is picked at random after the child shows it has started working (the snapshot's replay
 * progress on its standard error; for prune, a delay up to a measured whole run): where it lands varies from
 * run to run, and no assertion depends on it.
 */
class SnapshotAndPruneKillTest {
    private static final int KILLS = 10;
    private static final int SKUS = 50;
    private static final long NOW = 1_700_000_000_000L;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path tmp;

    private final AtomicLong clock = new AtomicLong(NOW);
    private long nextOrderId = 1;

    @Test
    void killingSnapshotOrPruneAtAnyPointLosesNothing() throws Exception {
        Path dir = tmp.resolve("journal");
        SplittableRandom random = new SplittableRandom(Long.getLong("purestock.killTest.seed", 20_261_128L));
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE, JournalRollCycle.TEST_SECONDLY)) {
            for (int sku = 1; sku <= SKUS; sku++) {
                writer.onDecided(sku - 1, clock.incrementAndGet(), new Command.ListProduct(sku, 0),
                        List.of(new Event.ProductListed(sku, 0)), true);
            }
        }
        try (JournaledEngine journaled = start(dir)) {
            PurestockEngine engine = journaled.engine();
            List<Command> setup = new ArrayList<>();
            for (int sku = 1; sku <= SKUS; sku++) {
                setup.add(new Command.ReceiveStock(sku, sku, 1, 1_000_000));
            }
            submit(engine, setup);
            append(engine, 15_000);
            engine.snapshot(0).join();
            append(engine, 500);
        }

        Map<String, Long> wholeRun = new TreeMap<>();
        Map<String, Long> afterStart = new TreeMap<>();
        for (String command : List.of("snapshot", "prune")) {
            long started = System.nanoTime();
            Process child = launch(dir, command, "calibrate");
            long working = awaitWorking(child, command, "calibrate");
            assertEquals(0, child.waitFor(), command + " runs to completion: " + log("calibrate"));
            wholeRun.put(command, System.nanoTime() - started);
            afterStart.put(command, System.nanoTime() - working);
        }

        Map<String, Integer> killedMidway = new TreeMap<>();
        long cyclesDeleted = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            Live expected;
            try (JournaledEngine journaled = start(dir)) {
                if (random.nextInt(3) == 0) {
                    append(journaled.engine(), 300 + random.nextInt(700));
                    journaled.engine().snapshot(0).join();
                }
                long last = append(journaled.engine(), 300 + random.nextInt(700));
                expected = new Live(journaled.engine().digest(0).join(), last + 1);
            }
            String command = random.nextBoolean() ? "snapshot" : "prune";
            String name = command + "-" + kill;
            Process child = launch(dir, command, name);
            try {
                long working = awaitWorking(child, command, name);
                TimeUnit.NANOSECONDS.sleep(working + random.nextLong(1 + afterStart.get(command)) - System.nanoTime());
                if (child.isAlive()) {
                    killedMidway.merge(command, 1, Integer::sum);
                }
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }

            String where = "after killing " + name + " (" + log(name).strip() + ")";
            assertNothingLost(dir, expected, where);
            if (random.nextBoolean()) {
                String next = random.nextBoolean() ? "snapshot" : "prune";
                Run completed = PurestockCliTest.run(next, "--journal", dir.toString());
                assertEquals(0, completed.code(), next + " completes " + where + ": " + completed.err());
                cyclesDeleted += Long.parseLong(completed.values().getOrDefault("cycles-deleted", "0"));
                assertNothingLost(dir, expected, "after " + next + " completed " + where);
            }
        }
        for (String command : List.of("snapshot", "prune")) {
            Run completed = PurestockCliTest.run(command, "--journal", dir.toString());
            assertEquals(0, completed.code(), command + " completes at the end: " + completed.err());
        }
        System.out.println("kills mid-way " + killedMidway + " of " + KILLS + "; whole runs took " + wholeRun
                + " ns; cycle files deleted by completed prunes " + cyclesDeleted + ", left " + cycleFiles(dir));
    }

    /** The state digest and next sequence of the engine that wrote the journal, taken before it closed. */
    private record Live(long digest, long nextSequence) {
    }

    private static void assertNothingLost(Path dir, Live expected, String where) {
        long lastSequence = expected.nextSequence() - 1;
        SnapshotStore snapshots = new SnapshotStore(dir);
        for (SnapshotInfo info : snapshots.list()) {
            assertTrue(info.lastSequence() <= lastSequence, "snapshot " + info.file() + " is ahead of the journal "
                    + where);
            List<String> skipped = new ArrayList<>();
            assertEquals(info, snapshots.loadNewest(info.lastSequence(), MapInventoryStore::new, skipped)
                    .map(SnapshotStore.Loaded::info).orElse(null), "listed snapshot loads " + where + ": " + skipped);
        }
        RecoveredState recovered = JournalRecovery.recover(dir, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(List.of(), recovered.notes(), "every listed snapshot loads " + where);
        assertEquals(expected.nextSequence(), recovered.nextSequence(), "next sequence " + where);
        assertEquals(expected.digest(), StateDigest.of(recovered.store()), "state " + where);

        Run verify = PurestockCliTest.run("verify", "--journal", dir.toString());
        assertEquals(0, verify.code(), "verify " + where + ": " + verify.err());
        assertEquals("ok", verify.values().get("result"), "verify " + where);
    }

    private JournaledEngine start(Path dir) {
        return JournaledEngine.builder(dir).engine(builder -> builder.clock(clock::incrementAndGet)).start();
    }

    /** Submits {@code purchases} purchases and waits for them; returns the last one's sequence. */
    private long append(PurestockEngine engine, int purchases) {
        List<Command> commands = new ArrayList<>(purchases);
        for (int i = 0; i < purchases; i++) {
            long orderId = nextOrderId++;
            commands.add(new Command.Purchase(orderId, orderId % 997, 1 + orderId % SKUS, 1, 1 + orderId % 3));
        }
        return submit(engine, commands);
    }

    private static long submit(PurestockEngine engine, List<Command> commands) {
        long last = -1;
        for (CompletableFuture<Outcome> outcome : engine.submitAll(commands)) {
            last = outcome.join().sequence();
        }
        return last;
    }

    private Process launch(Path dir, String command, String name) throws IOException {
        List<String> line = ChildCli.command(command, "--journal", dir.toString(),
                command.equals("snapshot") ? "--keep" : "--keep-snapshots", "2");
        return new ProcessBuilder(line)
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile())
                .start();
    }

    /**
     * Waits until the child shows it has started working: for {@code snapshot}, its replay of the journal's
     * tail (every run appends one) or its result; for {@code prune}, which prints nothing until it is done, its
     * start. Returns when that was seen.
     */
    private long awaitWorking(Process child, String command, String name) throws IOException, InterruptedException {
        if (!command.equals("snapshot")) {
            return System.nanoTime();
        }
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!log(name).contains("replay [") && !log(name).contains("snapshot=")) {
            if (!child.isAlive() && !log(name).contains("snapshot=")) {
                fail(name + " exited with " + child.exitValue() + " before replaying: " + log(name));
            }
            if (System.nanoTime() > deadline) {
                fail(name + " did not start replaying in time: " + log(name));
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return System.nanoTime();
    }

    private static long cycleFiles(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(file -> file.toString().endsWith(".cq4")).count();
        }
    }

    private String log(String name) throws IOException {
        Path file = tmp.resolve(name + ".log");
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }
}
