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
 * The process {@link CrashRecoveryTest} kills: a journaled engine on a directory that two producer threads
 * feed with purchases, forever. Each accepted purchase's order id is appended to the side file, one
 * unbuffered write per acknowledgement, so the file lists exactly what was acknowledged before the kill.
 *
 * <p>Arguments: journal directory, side file, run number (keeps order ids unique across runs).
 */
public final class CrashChild {
    static final int SKUS = 40;
    static final long STOCK = 1_000;
    static final long LIMIT = 3;
    static final int WAREHOUSE = 1;

    private CrashChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        long run = Long.parseLong(args[1]);
        try (FileOutputStream acks = new FileOutputStream(args[2], true);
             JournaledEngine journaled = JournaledEngine.builder(dir).snapshotEvery(700)
                     .engine(b -> b.ringSize(256)).start()) {
            PurestockEngine engine = journaled.engine();
            for (int sku = 1; sku <= SKUS; sku++) {
                engine.submit(new Command.ListProduct(sku, LIMIT)).join();
                engine.submit(new Command.ReceiveStock(sku, sku, WAREHOUSE, STOCK)).join();
            }
            Thread[] producers = new Thread[2];
            for (int p = 0; p < producers.length; p++) {
                int producer = p;
                producers[p] = new Thread(() -> produce(engine, acks, run, producer));
                producers[p].start();
            }
            for (Thread producer : producers) {
                producer.join();
            }
        }
    }

    private static void produce(PurestockEngine engine, FileOutputStream acks, long run, int producer) {
        SplittableRandom random = new SplittableRandom(run * 31 + producer);
        long orderId = run * 100_000_000L + producer * 10_000_000L;
        while (true) {
            CountDownLatch answered = new CountDownLatch(1);
            long id = ++orderId;
            Command.Purchase purchase = new Command.Purchase(id, 1 + random.nextInt(5_000), 1 + random.nextInt(SKUS),
                    WAREHOUSE, 1 + random.nextInt(2));
            engine.submit(purchase, new OutcomeCallback() {
                @Override
                public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                    if (!Inventory.anyRejected(events)) {
                        ack(acks, id);
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

    private static void ack(FileOutputStream acks, long orderId) {
        byte[] line = (orderId + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (acks) {
            try {
                acks.write(line);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write acknowledgement of order " + orderId, e);
            }
        }
    }
}
