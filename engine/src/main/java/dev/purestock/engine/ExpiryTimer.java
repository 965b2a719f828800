package dev.purestock.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the engine's reservation expiry on one daemon thread, {@code purestock-expire-reservations}, every
 * period until stopped. The tick only offers commands to the rings ({@code trySubmit}); it never waits, so a
 * full ring skips that tick. Until commands held for later exist, this is how {@code ExpireReservations} is
 * sequenced as time passes.
 */
final class ExpiryTimer {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryTimer.class);
    static final String THREAD_NAME = "purestock-expire-reservations";

    private final ScheduledExecutorService executor;

    private ExpiryTimer(ScheduledExecutorService executor) {
        this.executor = executor;
    }

    /** A timer running {@code tick} every {@code period}, or one that does nothing when the period is zero. */
    static ExpiryTimer start(Duration period, Runnable tick) {
        if (period.isZero()) {
            return new ExpiryTimer(null);
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        long nanos = period.toNanos();
        executor.scheduleWithFixedDelay(() -> {
            try {
                tick.run();
            } catch (RuntimeException e) {
                LOG.error("expiring reservations failed; the timer goes on and tries again in {}", period, e);
            }
        }, nanos, nanos, TimeUnit.NANOSECONDS);
        return new ExpiryTimer(executor);
    }

    /** Stops the timer and waits for a tick in progress (ticks never wait, so this is short). */
    void stop() {
        if (executor == null) {
            return;
        }
        executor.shutdownNow();
        boolean interrupted = false;
        while (true) {
            try {
                if (executor.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
