package dev.purestock.journal;

import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.PrimitiveInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Kills a journaled engine in a child JVM with SIGKILL, again and again, at a random number of
 * acknowledged purchases, and checks after each kill that recovery succeeds, keeps every acknowledged
 * purchase and has sold no unit that was not received.
 */
class CrashRecoveryTest {
    private static final int KILLS = 20;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path tmp;

    @Test
    void everyAcknowledgedPurchaseSurvivesSigkillAndNothingIsOversold() throws Exception {
        Path dir = tmp.resolve("journal");
        Random random = new Random(20261126);
        long previousNext = 0;
        for (int run = 1; run <= KILLS; run++) {
            Path acks = tmp.resolve("acks-" + run);
            Files.createFile(acks);
            int killAfter = 1 + random.nextInt(run % 4 == 0 ? 3_000 : 300);
            Process child = start(dir, run, acks);
            try {
                awaitAcks(child, acks, killAfter);
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }

            RecoveredState recovered = JournalRecovery.recover(dir, PrimitiveInventoryStore::new, ReplayProgress.NONE);
            List<Long> acknowledged = Files.readAllLines(acks).stream().map(Long::parseLong).toList();
            assertTrue(acknowledged.size() >= killAfter);
            for (long orderId : acknowledged) {
                Order order = recovered.store().order(orderId);
                assertNotNull(order, "run " + run + ": acknowledged order " + orderId + " was lost");
                assertEquals(OrderStatus.PURCHASED, order.status());
            }
            assertConserved(recovered, run);
            assertTrue(recovered.nextSequence() > previousNext, "run " + run + " made progress");
            previousNext = recovered.nextSequence();
        }
    }

    /** Per sku: units available plus units sold equals units received; nothing below zero. */
    private static void assertConserved(RecoveredState recovered, int run) {
        Map<Long, Long> sold = new HashMap<>();
        recovered.store().forEachOrder(order -> {
            if (order.status() == OrderStatus.PURCHASED) {
                order.lines().forEach(line -> sold.merge(line.sku(), line.quantity(), Long::sum));
            }
        });
        for (long sku = 1; sku <= CrashChild.SKUS; sku++) {
            long available = recovered.store().available(sku, CrashChild.WAREHOUSE);
            assertTrue(available >= 0, "run " + run + ": sku " + sku + " has " + available + " available");
            assertEquals(CrashChild.STOCK, available + sold.getOrDefault(sku, 0L),
                    "run " + run + ": sku " + sku + " sold " + sold.get(sku) + " with " + available + " left");
        }
    }

    private static Process start(Path dir, int run, Path acks) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("--") || argument.startsWith("-Dchronicle")) {
                command.add(argument);
            }
        }
        command.add("-Xmx256m");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CrashChild.class.getName());
        command.add(dir.toString());
        command.add(Integer.toString(run));
        command.add(acks.toString());
        return new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolveSibling("child-" + run + ".log").toFile())
                .start();
    }

    /** Waits, polling the side file's size, until it holds {@code count} acknowledgements. */
    private static void awaitAcks(Process child, Path acks, int count) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (countLines(acks) < count) {
            if (!child.isAlive()) {
                fail("the child exited with " + child.exitValue() + " before " + count + " acknowledgements");
            }
            if (System.nanoTime() > deadline) {
                fail("the child acknowledged fewer than " + count + " purchases in time");
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
    }

    private static long countLines(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        long lines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
