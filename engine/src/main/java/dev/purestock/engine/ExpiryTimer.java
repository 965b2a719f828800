package dev.purestock.engine;

import dev.purestock.domain.Limits;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the engine's time command on one daemon thread, {@code purestock-expire-reservations}, until stopped.
 * Every period it makes a <i>regular</i> run, which offers the command to every shard with something to
 * expire or forget. A time command forgets at most {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders, so when a
 * shard's last one came back that full (see {@link Answer}), more may be due at once: the answer wakes the timer,
 * which runs at once, offering the command only to such shards, until their backlog is gone (so forgetting keeps
 * pace with an order rate of hundreds of thousands a second, one time command in flight per shard); a run that
 * finds a command still in flight tries again after {@link #BACKLOG_PAUSE}. The regular runs keep their period
 * meanwhile. Runs only offer commands to the rings
 * ({@code trySubmit}); they never wait, so a full ring skips that run for that shard. Until commands held for
 * later exist, this is how {@code ExpireReservations} is sequenced as time passes.
 */
final class ExpiryTimer {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryTimer.class);
    static final String THREAD_NAME = "purestock-expire-reservations";
    /** The pause before the next run while a shard has a backlog to forget or expire (or less, to a regular run). */
    static final Duration BACKLOG_PAUSE = Duration.ofMillis(1);

    /** One run of the timer. */
    @FunctionalInterface
    interface Tick {
        /**
         * Offers the time command to the shards that need it.
         *
         * @param regular whether this is the run of a period (else a shard's backlog asked for it)
         * @return whether some shard has a backlog or a time command still unanswered: run again soon
         */
        boolean run(boolean regular);
    }

    private final ScheduledExecutorService executor;
    private final Duration period;
    private final long periodNanos;
    private final Tick tick;
    private final Object scheduling = new Object();
    /** The next run, while one is scheduled and not started; guarded by {@code scheduling}. */
    private ScheduledFuture<?> next;
    private long nextRegularAt;

    private ExpiryTimer(ScheduledExecutorService executor, Duration period, Tick tick) {
        this.executor = executor;
        this.period = period;
        this.periodNanos = period.toNanos();
        this.tick = tick;
    }

    /**
     * A timer making a regular run every {@code period}, or one that does nothing when the period is zero; a full
     * answer in {@code answers} wakes it.
     */
    static ExpiryTimer start(Duration period, Tick tick, Answer[] answers) {
        if (period.isZero()) {
            return new ExpiryTimer(null, period, tick);
        }
        ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, THREAD_NAME);
            thread.setDaemon(true);
            return thread;
        });
        ExpiryTimer timer = new ExpiryTimer(executor, period, tick);
        timer.nextRegularAt = System.nanoTime() + timer.periodNanos;
        for (Answer answer : answers) {
            answer.wake = timer::wake;
        }
        timer.scheduleNext(timer.periodNanos);
        return timer;
    }

    /** One answer object per shard, to pass as the callback of that shard's time commands. */
    static Answer[] answers(int shards) {
        Answer[] answers = new Answer[shards];
        for (int shard = 0; shard < shards; shard++) {
            answers[shard] = new Answer();
        }
        return answers;
    }

    private void scheduleNext(long delayNanos) {
        synchronized (scheduling) {
            try {
                next = executor.schedule(this::run, delayNanos, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException stopped) {
                // stop() shut the executor down between runs: no more runs
            }
        }
    }

    /**
     * A shard's time command came back full: runs now instead of when scheduled. A run that has started already
     * sees the backlog and schedules the next one itself.
     */
    private void wake() {
        synchronized (scheduling) {
            if (next != null && next.cancel(false)) {
                try {
                    next = executor.schedule(this::run, 0, TimeUnit.NANOSECONDS);
                } catch (RejectedExecutionException stopped) {
                    // stopped meanwhile
                }
            }
        }
    }

    private void run() {
        long now = System.nanoTime();
        boolean regular = now - nextRegularAt >= 0;
        if (regular) {
            nextRegularAt = now + periodNanos;
        }
        boolean backlog = false;
        try {
            backlog = tick.run(regular);
        } catch (RuntimeException e) {
            LOG.error("the time command run failed; the timer goes on and runs again in {}", period, e);
        }
        scheduleNext(nextDelayNanos(nextRegularAt - now, backlog));
    }

    /**
     * The wait before the next run: until the next regular run, or {@link #BACKLOG_PAUSE} when a backlog asks
     * for one sooner.
     */
    static long nextDelayNanos(long untilRegularNanos, boolean backlog) {
        long untilRegular = Math.max(0, untilRegularNanos);
        return backlog ? Math.min(untilRegular, BACKLOG_PAUSE.toNanos()) : untilRegular;
    }

    /** Stops the timer and waits for a run in progress (runs never wait, so this is short). */
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

    /**
     * What became of one shard's last time command: the callback it is sent with. A command is in flight from
     * {@link #trySend} until its answer; an answer holding at least {@link Limits#MAX_FORGOTTEN_PER_COMMAND}
     * events (it forgot the most one may, or expired at least as many) leaves a backlog, which the next run
     * answers with another command. One command at a time: a shard whose last command is still in flight is
     * sent none. Written by the timer thread and the shard's completion thread.
     */
    static final class Answer implements OutcomeViewCallback {
        private static final int ANSWERED = 0;
        private static final int IN_FLIGHT = 1;
        private static final int ANSWERED_FULL = 2;

        private final AtomicInteger state = new AtomicInteger(ANSWERED);
        private int beforeSend;
        /** Wakes the timer when an answer leaves a backlog; set once, before the first command is sent. */
        private volatile Runnable wake = () -> {
        };

        /** Whether the last command left a backlog, or is still in flight. */
        boolean backlog() {
            return state.get() != ANSWERED;
        }

        /** Whether the last command's answer left a backlog for the next command to take on. */
        boolean full() {
            return state.get() == ANSWERED_FULL;
        }

        /** Marks a command in flight, unless one is; only the timer thread calls this. */
        boolean trySend() {
            int current = state.get();
            if (current == IN_FLIGHT) {
                return false;
            }
            beforeSend = current;
            state.set(IN_FLIGHT);
            return true;
        }

        /** The command marked in flight was not sent after all (its ring was full, or intake closed). */
        void notSent() {
            state.set(beforeSend);
        }

        @Override
        public void onOutcome(OutcomeView outcome) {
            if (outcome.eventCount() >= Limits.MAX_FORGOTTEN_PER_COMMAND) {
                state.set(ANSWERED_FULL);
                wake.run();
            } else {
                state.set(ANSWERED);
            }
        }

        @Override
        public void onFailure(Throwable cause) {
            state.set(ANSWERED);
        }
    }
}
