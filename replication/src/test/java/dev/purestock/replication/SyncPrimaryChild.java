package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournaledEngine;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@link PrimaryKillTest} kills: a SYNC primary whose four producer threads buy, forever. Each
 * accepted purchase's order id is appended to the side file once the engine answers it, one unbuffered write per
 * acknowledgement, so the file lists exactly what was acknowledged before the kill.
 *
 * <p>Arguments: journal directory, side file, file to write the listen address to, driver base directory.
 */
public final class SyncPrimaryChild {
    static final int SKUS = 20;
    static final long STOCK = 1_000_000;
    static final int WAREHOUSE = 1;
    static final int PRODUCERS = 4;

    private SyncPrimaryChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Path endpointFile = Path.of(args[2]);
        try (FileOutputStream acks = new FileOutputStream(args[1], true);
             Primary primary = Primary.builder(dir).listen("localhost:0").mode(ReplicationMode.SYNC)
                     .syncTimeout(Duration.ofSeconds(60)).termLength(1 << 20).driverBase(Path.of(args[3])).start()) {
            Path written = Files.writeString(endpointFile.resolveSibling(endpointFile.getFileName() + ".tmp"),
                    primary.endpoint());
            Files.move(written, endpointFile, StandardCopyOption.ATOMIC_MOVE);
            try (JournaledEngine journaled = JournaledEngine.builder(dir)
                    .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING).ringSize(256))).start()) {
                PurestockEngine engine = journaled.engine();
                for (int sku = 1; sku <= SKUS; sku++) {
                    engine.submit(new Command.ListProduct(sku, 1_000_000)).join();
                    engine.submit(new Command.ReceiveStock(sku, sku, WAREHOUSE, STOCK)).join();
                }
                Thread[] producers = new Thread[PRODUCERS];
                for (int p = 0; p < producers.length; p++) {
                    int producer = p;
                    producers[p] = new Thread(() -> produce(engine, acks, producer));
                    producers[p].start();
                }
                for (Thread producer : producers) {
                    producer.join();
                }
            }
        }
    }

    private static void produce(PurestockEngine engine, FileOutputStream acks, int producer) {
        SplittableRandom random = new SplittableRandom(producer);
        long orderId = (producer + 1) * 10_000_000L;
        while (true) {
            CountDownLatch answered = new CountDownLatch(1);
            long id = ++orderId;
            engine.submit(new Command.Purchase(id, 1 + random.nextInt(5_000), 1 + random.nextInt(SKUS), WAREHOUSE,
                    1 + random.nextInt(2)), new OutcomeCallback() {
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
