package dev.purestock.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Runs the engine's time command on one daemon thread, {@code purestock-expire-reservations}, every period
 * until stopped. The tick only offers commands to the rings ({@code trySubmit}); it never waits, so a full
 * ring skips that tick. A tick that reports a backlog (the last time command forgot as many orders as one
 * may) is followed by the next one after {@link #BACKLOG_PAUSE} instead of a whole period, until the
 * backlog is gone. Until commands held for later exist, this is how {@code ExpireReservations} is sequenced as
 * time passes.
 */
final class ExpiryTimer {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryTimer.class);
    static final String THREAD_NAME = "purestock-expire-reservations";
    /** The pause before the next tick while a backlog of orders to forget drains (or the period, if shorter). */
    static final Duration BACKLOG_PAUSE = Duration.ofMillis(10);

    private final ScheduledExecutorService executor;
    private final Duration period;
    private final long periodNanos;
    private final BooleanSupplier tick;

    private ExpiryTimer(ScheduledExecutorService executor, Duration period, BooleanSupplier tick) {
        this.executor = executor;
        this.period = period;
        this.periodNanos = period.toNanos();
        this.tick = tick;
    }

    /**
     * A timer running {@code tick} every {@code period}, sooner while it answers {@code true} (a backlog), or
     * one that does nothing when the period is zero.
     */
    static ExpiryTimer start(Duration period, BooleanSupplier tick) {
        if (period.isZero()) {
            return new ExpiryTimer(null, period, tick);
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        ExpiryTimer timer = new ExpiryTimer(executor, period, tick);
        timer.scheduleNext(timer.periodNanos);
        return timer;
    }

    private void scheduleNext(long delayNanos) {
        try {
            executor.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            // stop() shut the executor down between ticks: no more ticks
        }
    }

    private void run() {
        boolean backlog = false;
        try {
            backlog = tick.getAsBoolean();
        } catch (RuntimeException e) {
            LOG.error("the time command tick failed; the timer goes on and tries again in {}", period, e);
        }
        scheduleNext(nextDelayNanos(periodNanos, backlog));
    }

    /** The wait before the next tick: the period, or {@link #BACKLOG_PAUSE} after a tick that left a backlog. */
    static long nextDelayNanos(long periodNanos, boolean backlog) {
        return backlog ? Math.min(periodNanos, BACKLOG_PAUSE.toNanos()) : periodNanos;
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
