package dev.purestock.journal;

import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.engine.PrimitiveInventoryStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
            Process child = ChildJvm.start(CrashChild.class, dir.resolveSibling("child-" + run + ".log"), dir.toString(),
                    Integer.toString(run), acks.toString());
            try {
                ChildJvm.awaitAcks(child, acks, killAfter, WAIT_NANOS);
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
}
