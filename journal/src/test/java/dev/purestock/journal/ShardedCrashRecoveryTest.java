package dev.purestock.journal;

import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a sharded journaled engine in a child JVM with SIGKILL, again and again, at a random number of
 * acknowledged purchases, and after each kill reopens the directory with the same shard count, as a restarted
 * service would: every shard recovers, every purchase acknowledged in any run is in the shard of its warehouse
 * (and in no other), and no shard has sold a unit it did not receive.
 */
class ShardedCrashRecoveryTest {
    private static final int KILLS = 5;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(60);

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} shards")
    @ValueSource(ints = {2, 4})
    void everyAcknowledgedPurchaseSurvivesSigkillInItsShardAndNothingIsOversold(int shards) throws Exception {
        Path dir = tmp.resolve("journal");
        Random random = new Random(20261129L + shards);
        Map<Long, Integer> acknowledged = new HashMap<>();
        long[] previousNext = new long[shards];
        for (int run = 1; run <= KILLS; run++) {
            Path acks = tmp.resolve("acks-" + run);
            Files.createFile(acks);
            int killAfter = 1 + random.nextInt(run % 2 == 0 ? 2_000 : 300);
            Process child = ChildJvm.start(ShardedCrashChild.class, dir.resolveSibling("child-" + run + ".log"),
                    dir.toString(), Integer.toString(shards), Integer.toString(run), acks.toString());
            try {
                ChildJvm.awaitAcks(child, acks, killAfter, WAIT_NANOS);
            } finally {
                child.destroyForcibly();
                child.waitFor(30, TimeUnit.SECONDS);
            }
            List<String> lines = Files.readAllLines(acks);
            assertTrue(lines.size() >= killAfter);
            for (String line : lines) {
                String[] fields = line.split(" ");
                acknowledged.put(Long.parseLong(fields[0]), Integer.parseInt(fields[1]));
            }

            try (JournaledEngine recovered = JournaledEngine.builder(dir).shards(shards).start()) {
                assertEquals(shards, recovered.layout().shards());
                for (Map.Entry<Long, Integer> ack : acknowledged.entrySet()) {
                    int home = ack.getValue() % shards;
                    for (int shard = 0; shard < shards; shard++) {
                        Order order = recovered.recovered(shard).store().order(ack.getKey());
                        if (shard == home) {
                            assertNotNull(order, "run " + run + ": acknowledged order " + ack.getKey() + " at warehouse "
                                    + ack.getValue() + " was lost from shard " + shard);
                            assertEquals(OrderStatus.PURCHASED, order.status());
                            assertEquals(ack.getValue(), order.lines().getFirst().warehouse());
                        } else {
                            assertNull(order, "run " + run + ": order " + ack.getKey() + " is in shard " + shard);
                        }
                    }
                }
                for (int shard = 0; shard < shards; shard++) {
                    RecoveredState state = recovered.recovered(shard);
                    assertConserved(state.store(), shard, shards, run);
                    assertTrue(state.nextSequence() > previousNext[shard], "run " + run + ": shard " + shard
                            + " made progress");
                    previousNext[shard] = state.nextSequence();
                }
            }
        }
    }

    /** Per sku and warehouse of the shard: available plus sold equals received; nothing below zero. */
    private static void assertConserved(InventoryStore store, int shard, int shards, int run) {
        Map<Long, Long> sold = new HashMap<>();
        store.forEachOrder(order -> {
            if (order.status() == OrderStatus.PURCHASED) {
                order.lines().forEach(line -> sold.merge(line.sku() * 1_000 + line.warehouse(), line.quantity(),
                        Long::sum));
            }
        });
        int warehouses = shards * ShardedCrashChild.WAREHOUSES_PER_SHARD;
        for (int warehouse = shard; warehouse < warehouses; warehouse += shards) {
            for (long sku = 1; sku <= ShardedCrashChild.SKUS; sku++) {
                long available = store.available(sku, warehouse);
                long units = sold.getOrDefault(sku * 1_000 + warehouse, 0L);
                assertTrue(available >= 0, "run " + run + ": sku " + sku + " has " + available + " available at "
                        + "warehouse " + warehouse);
                assertEquals(ShardedCrashChild.STOCK, available + units, "run " + run + ": sku " + sku + " at warehouse "
                        + warehouse + " sold " + units + " with " + available + " left");
            }
        }
    }
}
