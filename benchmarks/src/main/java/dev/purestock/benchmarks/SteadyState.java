package dev.purestock.benchmarks;

import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.StoreCapacity;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * The steady state of a long sale that {@link EngineBenchmark} and {@link ShardedBenchmark} run in with
 * {@code -p retainSeconds} a window: the state sized ahead for the orders the window keeps, at
 * {@link JournalBenchmark}'s steady rate, and the window filled before the warm-up.
 */
final class SteadyState {
    /** The first order id of the purchases that fill a retention window before the trial: past every producer's. */
    static final long FILL_ORDERS = 15L << 40;
    /** The period of the engine's time command, which forgets the orders past their window. */
    static final Duration FORGET_EVERY = PurestockEngine.Builder.DEFAULT_EXPIRE_RESERVATIONS_EVERY;

    private SteadyState() {
    }

    /** Submits the filling purchase of one order id, answered to the filler's callback. */
    @FunctionalInterface
    interface FillPurchase {
        void submit(long order, CountingProducer filler);
    }

    /**
     * Each shard's store, sized for its share of the orders of a window and of the time command's period (the oldest
     * are forgotten once a period), for {@code skus} skus in two positions each.
     */
    static StoreCapacity capacity(long windowSeconds, int skus, int shards) {
        long orders = JournalBenchmark.STEADY_ORDERS_PER_SECOND * (windowSeconds + FORGET_EVERY.toSeconds()) / shards;
        return new StoreCapacity(2 * skus, (int) Math.min(JournalBenchmark.LONG_WINDOW_ORDERS, orders),
                JournalBenchmark.CUSTOMERS);
    }

    /**
     * Submits purchases from {@link #FILL_ORDERS} on for a window and a period of the time command, so that the orders
     * of the first are forgotten and every structure has reached the size it keeps before the warm-up starts; then
     * {@code drain} waits, given the first order id not submitted, until every purchase is answered, and a refused
     * one fails the fill.
     */
    static void fillWindow(long windowSeconds, FillPurchase purchase, LongConsumer drain) {
        CountingProducer filler = new CountingProducer() {
        };
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(windowSeconds + FORGET_EVERY.toSeconds());
        long order = FILL_ORDERS;
        while (System.nanoTime() < end) {
            purchase.submit(order, filler);
            order++;
        }
        drain.accept(order);
        filler.check();
    }
}
