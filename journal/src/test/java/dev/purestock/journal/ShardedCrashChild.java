package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.PurestockEngine;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@link ShardedCrashRecoveryTest} kills: a sharded journaled engine that two producer threads feed
 * with purchases at every warehouse, forever. Each accepted purchase is appended to the side file as
 * {@code <order id> <warehouse>}, one unbuffered write per acknowledgement, so the file lists exactly what was
 * acknowledged before the kill.
 *
 * <p>Arguments: journal directory, shard count, run number (keeps order ids unique across runs), side file.
 */
public final class ShardedCrashChild {
    static final int SKUS = 20;
    static final long STOCK = 500;
    static final long LIMIT = 3;
    /** Warehouses per shard: each shard holds two. */
    static final int WAREHOUSES_PER_SHARD = 2;

    private ShardedCrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int shards = Integer.parseInt(args[1]);
        long run = Long.parseLong(args[2]);
        int warehouses = shards * WAREHOUSES_PER_SHARD;
        try (FileOutputStream acks = new FileOutputStream(args[3], true);
             JournaledEngine journaled = JournaledEngine.builder(dir).shards(shards).snapshotEvery(500)
                     .engine(b -> b.ringSize(256)).start()) {
            PurestockEngine engine = journaled.engine();
            for (int sku = 1; sku <= SKUS; sku++) {
                engine.submit(new Command.ListProduct(sku, LIMIT)).join();
                for (int warehouse = 0; warehouse < warehouses; warehouse++) {
                    engine.submit(new Command.ReceiveStock(sku * 1_000L + warehouse, sku, warehouse, STOCK)).join();
                }
            }
            Thread[] producers = new Thread[2];
            for (int p = 0; p < producers.length; p++) {
                int producer = p;
                producers[p] = new Thread(() -> produce(engine, acks, run, producer, warehouses));
                producers[p].start();
            }
            for (Thread producer : producers) {
                producer.join();
            }
        }
    }

    private static void produce(PurestockEngine engine, FileOutputStream acks, long run, int producer,
                                int warehouses) {
        SplittableRandom random = new SplittableRandom(run * 31 + producer);
        long orderId = run * 100_000_000L + producer * 10_000_000L;
        while (true) {
            CountDownLatch answered = new CountDownLatch(1);
            long id = ++orderId;
            int warehouse = random.nextInt(warehouses);
            Command.Purchase purchase = new Command.Purchase(id, 1 + random.nextInt(5_000), 1 + random.nextInt(SKUS),
                    warehouse, 1 + random.nextInt(2));
            engine.submit(purchase, new OutcomeCallback() {
                @Override
                public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                    if (!Inventory.anyRejected(events)) {
                        ack(acks, id, warehouse);
                    }
                    answered.countDown();
                }

                @Override
                public void onFailure(Throwable cause) {
                    answered.countDown();
                }
            });
            try {
                answered.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void ack(FileOutputStream acks, long orderId, int warehouse) {
        byte[] line = (orderId + " " + warehouse + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (acks) {
            try {
                acks.write(line);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write acknowledgement of order " + orderId, e);
            }
        }
    }
}
