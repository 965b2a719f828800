package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readers query while the single writer inserts and updates through hundreds of segment splits: a reader only
 * ever sees a code the order really had, never another order's, never one older than a code it saw before.
 */
class OrderStatusTableTest {
    private static final int ORDERS = 200_000;
    private static final int READERS = 3;
    private static final int FAMILIES = 40;
    private static final int STEPS = 3;
    private static final int UPDATE_LAG = 97;

    @Test
    void concurrentReadersSeeOnlyCodesAnOrderHadAndNeverGoBack() throws Exception {
        OrderStatusTable table = new OrderStatusTable(1, 4);
        AtomicLong written = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicReference<String> violation = new AtomicReference<>();
        CountDownLatch readersStarted = new CountDownLatch(READERS);
        long[] readsWhileWriting = new long[READERS];
        Thread[] readers = new Thread[READERS];
        for (int r = 0; r < READERS; r++) {
            int reader = r;
            readers[r] = Thread.ofPlatform().start(() -> {
                int[] seenStep = new int[ORDERS];
                SplittableRandom random = new SplittableRandom(reader);
                readersStarted.countDown();
                while (writing.get()) {
                    long frontier = written.get();
                    int order = (int) Math.max(0, frontier - random.nextInt(3 * UPDATE_LAG));
                    if (order >= ORDERS) {
                        continue;
                    }
                    check(order, table.status(id(order)), seenStep, violation);
                    readsWhileWriting[reader]++;
                }
                for (int order = 0; order < ORDERS; order++) {
                    check(order, table.status(id(order)), seenStep, violation);
                }
            });
        }

        readersStarted.await();
        for (int i = 0; i < ORDERS + STEPS * UPDATE_LAG; i++) {
            for (int step = 0; step < STEPS; step++) {
                int order = i - step * UPDATE_LAG;
                if (order >= 0 && order < ORDERS) {
                    table.put(id(order), code(order, step));
                }
            }
            written.lazySet(i);
        }
        writing.set(false);
        for (Thread reader : readers) {
            reader.join();
        }

        assertNull(violation.get());
        for (int order = 0; order < ORDERS; order++) {
            assertEquals(code(order, STEPS - 1), table.status(id(order)), "order " + order);
        }
        assertEquals(OrderStatusTable.ABSENT, table.status(id(ORDERS)));
        for (long reads : readsWhileWriting) {
            assertTrue(reads > 0, "every reader queried while the writer wrote");
        }
    }

    @Test
    void codesOutsideOneToOneHundredTwentySevenAreRefused() {
        OrderStatusTable table = new OrderStatusTable();
        assertThrows(IllegalArgumentException.class, () -> table.put(1, (byte) 0));
        assertThrows(IllegalArgumentException.class, () -> table.put(1, (byte) -3));
        assertEquals(OrderStatusTable.ABSENT, table.status(1));
    }

    /** After a reader has seen {@code step} of an order, it may see that step or a later one, never less. */
    private static void check(int order, byte code, int[] seenStep, AtomicReference<String> violation) {
        int step;
        if (code == OrderStatusTable.ABSENT) {
            step = 0;
        } else if ((code - 1) / STEPS != order % FAMILIES) {
            violation.compareAndSet(null, "order " + order + " read code " + code + ", another order's");
            return;
        } else {
            step = (code - 1) % STEPS + 1;
        }
        if (step < seenStep[order]) {
            violation.compareAndSet(null, "order " + order + " went back from step " + seenStep[order] + " to " + step);
        }
        seenStep[order] = Math.max(seenStep[order], step);
    }

    /** Ids spread over the whole long range, negative ones included. */
    private static long id(int order) {
        return order * 0x9E3779B97F4A7C15L;
    }

    private static byte code(int order, int step) {
        return (byte) (1 + (order % FAMILIES) * STEPS + step);
    }
}
