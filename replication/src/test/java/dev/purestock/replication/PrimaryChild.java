package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Inventory;
import dev.purestock.engine.OutcomeCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.JournaledEngine;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;

/**
 * The primary {@link PrimaryKillTest} kills: four producer threads buy scarce stock, forever, each waiting for its
 * purchase's answer before the next. Writes {@code endpoint HOST:PORT} once it listens and waits for a line on its
 * standard input (so a test can start it early, and start its standby first); writes {@code stocked} once the
 * products have their stock, then one line per answered purchase, {@code +ID} when accepted (acknowledged) and
 * {@code -ID} when rejected, each in one unbuffered write once the engine answered it: what the test reads before the
 * kill is exactly what was acknowledged.
 *
 * <p>Arguments: journal directory, {@code SYNC} or {@code ASYNC}, Aeron base directory, random seed.
 */
public final class PrimaryChild {
    static final int SKUS = 8;
    static final long STOCK = 50;
    static final int WAREHOUSE = 1;
    static final int PRODUCERS = 4;
    static final long FIRST_ORDER = 10_000_000L;

    private static final FileOutputStream OUT = new FileOutputStream(FileDescriptor.out);

    private PrimaryChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        ReplicationMode mode = ReplicationMode.valueOf(args[1]);
        long seed = Long.parseLong(args[3]);
        try (Primary primary = Primary.builder(dir).listen("localhost:0").mode(mode).fallback(SyncFallback.WAIT)
                .syncTimeout(Duration.ofSeconds(60)).termLength(1 << 20).driverBase(Path.of(args[2])).start()) {
            say("endpoint " + primary.endpoint());
            if (new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine() == null) {
                return;
            }
            try (JournaledEngine journaled = JournaledEngine.builder(dir)
                    .engine(b -> primary.configure(b.waitStrategy(WaitStrategyKind.BLOCKING).ringSize(256))).start()) {
                PurestockEngine engine = journaled.engine();
                for (int sku = 1; sku <= SKUS; sku++) {
                    engine.submit(new Command.ListProduct(sku, 1_000_000)).join();
                    engine.submit(new Command.ReceiveStock(sku, sku, WAREHOUSE, STOCK)).join();
                }
                say("stocked");
                Thread[] producers = new Thread[PRODUCERS];
                for (int p = 0; p < producers.length; p++) {
                    int producer = p;
                    producers[p] = new Thread(() -> produce(engine, producer, new SplittableRandom(seed + producer)),
                            "producer-" + p);
                    producers[p].start();
                }
                for (Thread producer : producers) {
                    producer.join();
                }
            }
        }
    }

    private static void produce(PurestockEngine engine, int producer, SplittableRandom random) {
        long orderId = FIRST_ORDER * (producer + 1);
        while (true) {
            CountDownLatch answered = new CountDownLatch(1);
            long id = ++orderId;
            engine.submit(new Command.Purchase(id, 1 + random.nextInt(5_000), 1 + random.nextInt(SKUS), WAREHOUSE,
                    1 + random.nextInt(2)), new OutcomeCallback() {
                        @Override
                        public void onOutcome(int shard, long sequence, long time, List<Event> events) {
                            say((Inventory.anyRejected(events) ? "-" : "+") + id);
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

    private static void say(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (OUT) {
            try {
                OUT.write(bytes);
            } catch (IOException e) {
                throw new IllegalStateException("cannot write \"" + line + "\" to standard output", e);
            }
        }
    }
}
