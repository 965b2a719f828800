package dev.purestock.engine;

import dev.purestock.domain.Limits;
import dev.purestock.domain.NextDue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Runs the engine's time command on one daemon thread, {@code purestock-expire-reservations}, until stopped.
 * It sends the command to a shard exactly when something there falls due (a reservation's expiry, a command held
 * for later, orders whose retention window ended), as each shard's decision stage reports it in {@link DueTimes}
 * on the engine's clock: the timer parks until the earliest such time and is woken when an earlier one appears.
 * Forgetting is paced by those due times ({@link ForgettingDue}): a time command when a full one's worth of orders
 * is due, or at most a period after the oldest fell due, so orders are forgotten at about the pace they came in,
 * not a period's worth at once, and a shard holding only orders not yet due gets no time command. A time command
 * forgets at most {@link Limits#MAX_FORGOTTEN_PER_COMMAND} orders, so when a shard's last one came back that full
 * and its decision stage says more is due at once (after a restart, a clock that jumped, a timer or a shard that
 * ran late), the answer wakes the timer, which runs at once, offering the command only to such shards, a few at a
 * time (see {@link Answer}), until their backlog is gone; a run that finds a command still in flight looks again after
 * {@link #BACKLOG_PAUSE}. Every answer wakes the timer, which then sees the shard's next due time. The timer also
 * runs at least once a period, its <i>regular</i> run, which sends what is due like any other: so a clock that
 * jumps (a test's) is seen within one, as is a due time that a failed run or a failed time command left.
  *
 * <p>A run waits for ring space like any submitter (the timer thread is not a stage thread): under a flash
 * sale's load the ring is full nearly all the time, and a run that only tried would almost never get a time
 * command in, so nothing would expire and nothing would be forgotten while the sale lasts. It is woken as soon as
 * its commands fit, before the producers, which wait for a quarter of the ring ({@link RingSpace}), and claims
 * the slots they need at once: woken with the producers, it lost the freed slots to them nearly every time. The
 * thread parks between runs and allocates nothing per run.
 */
final class ExpiryTimer {
    private static final Logger LOG = LoggerFactory.getLogger(ExpiryTimer.class);
    static final String THREAD_NAME = "purestock-expire-reservations";
    /** The pause before the next run while a shard's time command is in flight (or less, to a regular run). */
    static final Duration BACKLOG_PAUSE = Duration.ofMillis(1);
    /** The pause after a run, or a look at the engine's clock, that failed (or less, to a regular run). */
    static final Duration FAILURE_PAUSE = Duration.ofSeconds(1);

    /** One run of the timer. */
    @FunctionalInterface
    interface Tick {
        /**
         * Offers the time command to the shards that need it: those with something due, or a backlog.
         *
         * @return whether some shard has a backlog or a time command still unanswered: run again soon
         */
        boolean run();
    }

    /** The longest period the timer keeps, about 146 years: half the range of {@link System#nanoTime()}. */
    static final long LONGEST_PERIOD_NANOS = Long.MAX_VALUE / 2;

    private final Duration period;
    private final long periodNanos;
    private final Tick tick;
    private final AtomicBoolean woken = new AtomicBoolean();
    /**
     * Whether the timer thread waits for a wake: set before it looks at {@link #woken} a last time and parks, cleared
     * once it is back. A wake unparks it only then (see {@link #awaitWake}).
     */
    private volatile boolean waiting;
    private volatile boolean stopped;
    private Thread thread;
    /** Told when the timer's thread starts; set before it starts. */
    private StageThreads threads;

    private final DueTimes dueTimes;
    private final LongSupplier clock;
    private final Answer[] answers;
    private final BooleanSupplier refusing;

    private ExpiryTimer(Duration period, Tick tick, DueTimes dueTimes, LongSupplier clock, Answer[] answers,
                        BooleanSupplier refusing) {
        this.period = period;
        this.periodNanos = periodNanos(period);
        this.tick = tick;
        this.dueTimes = dueTimes;
        this.clock = clock;
        this.answers = answers;
        this.refusing = refusing;
    }

    /**
     * A timer making a regular run every {@code period} and a run whenever a shard's entry in {@code dueTimes} comes
     * due on {@code clock}, or one that does nothing when the period is zero; every answer in {@code answers}
     * wakes it, and so does an entry of {@code dueTimes} that comes down. While {@code refusing} says the engine
     * takes no commands (a shard stopped), it makes only the regular runs: a due time that no time command can
     * get in to move would otherwise have it run again at once, on a core of its own, until the engine is closed.
     */
    static ExpiryTimer start(Duration period, Tick tick, Answer[] answers, DueTimes dueTimes, LongSupplier clock,
                             StageThreads threads, BooleanSupplier refusing) {
        ExpiryTimer timer = new ExpiryTimer(period, tick, dueTimes, clock, answers, refusing);
        if (period.isZero()) {
            return timer;
        }
        timer.threads = threads;
        threads.expect(1);
        for (Answer answer : answers) {
            answer.wake = timer::wake;
        }
        dueTimes.onEarlier(timer::wake);
        timer.thread = new Thread(timer::loop, THREAD_NAME);
        timer.thread.setDaemon(true);
        timer.thread.start();
        return timer;
    }

    /**
     * One answer object per shard of {@code dueTimes}, to pass as the callback of that shard's time commands, for
     * rings of {@code ringSize} slots ({@link Answer#maxInFlight}); each reads its shard's entry there.
     */
    static Answer[] answers(DueTimes dueTimes, int ringSize) {
        Answer[] answers = new Answer[dueTimes.shards()];
        for (int shard = 0; shard < answers.length; shard++) {
            answers[shard] = new Answer(Answer.maxInFlight(ringSize), dueTimes, shard);
        }
        return answers;
    }

    private void loop() {
        threads.started(StageThreadListener.ALL_SHARDS, StageRole.EXPIRE_RESERVATIONS);
        long nextRegularAt = System.nanoTime() + periodNanos;
        boolean backlog = false;
        // after a failure (the engine's clock, which is the caller's, threw) nothing runs before retryAt or the
        // regular run, whichever comes first: a clock that keeps failing is an error a pause, not a spinning core
        boolean failed = false;
        long retryAt = 0;
        while (!stopped) {
            // the engine's clock, read here and in each run, is the caller's code: an interrupt it left (nothing of the
            // engine interrupts this thread; a stop unparks it) would end every wait below at once, and reach its next
            // reading
            Thread.interrupted();
            long untilRegular = nextRegularAt - System.nanoTime();
            boolean refused = refusing.getAsBoolean();
            long delay;
            try {
                delay = refused ? Math.max(0, untilRegular)
                        : failed ? Math.max(0, Math.min(untilRegular, retryAt - System.nanoTime()))
                        : Math.min(nextDelayNanos(untilRegular, backlog), untilDueNanos());
            } catch (Throwable e) {
                // an Error too (a StackOverflowError in the caller's clock): a timer thread that ended here would
                // leave nothing expiring until the engine is closed
                LOG.error("reading the engine's clock for what falls due failed; the timer goes on and looks again "
                        + "within {}", FAILURE_PAUSE, e);
                failed = true;
                retryAt = System.nanoTime() + FAILURE_PAUSE.toNanos();
                continue;
            }
            if (delay > 0) {
                if (refused || failed) {
                    LockSupport.parkNanos(this, delay); // a wake does not end this wait: its time or a stop does
                } else {
                    awaitWake(delay);
                }
            }
            if (stopped) {
                return;
            }
            long woke = System.nanoTime();
            if ((refused || failed && retryAt - woke > 0) && nextRegularAt - woke > 0) {
                continue; // woken before its time while the engine refuses commands or after a failure: wait on
            }
            failed = false;
            // cleared before the run: a wake that arrives during it makes the next one go at once
            woken.set(false);
            long now = System.nanoTime();
            if (now - nextRegularAt >= 0) {
                nextRegularAt = now + periodNanos;
            }
            try {
                backlog = tick.run();
            } catch (Throwable e) {
                // an Error too (memory running out as a run publishes): as above, the timer must outlive it
                LOG.error("the time command run failed; the timer goes on and runs again within {}", FAILURE_PAUSE,
                        e);
                backlog = false;
                failed = true;
                retryAt = System.nanoTime() + FAILURE_PAUSE.toNanos();
            }
        }
    }

    /**
     * How long until the earliest due time of a shard with no time command in flight (one in flight will be
     * answered, and the answer wakes the timer), in nanoseconds: {@code 0} when one is due now,
     * {@link Long#MAX_VALUE} when none is due within a period.
     */
    private long untilDueNanos() {
        long earliest = NextDue.NEVER;
        for (int shard = 0; shard < answers.length; shard++) {
            if (!answers[shard].inFlight()) {
                earliest = Math.min(earliest, dueTimes.dueAt(shard));
            }
        }
        if (earliest == NextDue.NEVER) {
            return Long.MAX_VALUE;
        }
        long now = clock.getAsLong();
        if (earliest <= now) {
            return 0;
        }
        long untilMillis = earliest - now;
        if (untilMillis < 0) {
            return Long.MAX_VALUE; // beyond a long of milliseconds (a clock below zero): further than any period
        }
        long untilNanos = TimeUnit.MILLISECONDS.toNanos(untilMillis);
        return untilNanos >= periodNanos ? Long.MAX_VALUE : untilNanos;
    }

    /**
     * {@code period} in nanoseconds, at most {@link #LONGEST_PERIOD_NANOS}: a longer period (the builder takes any)
     * runs as that one, which is as good as never, instead of overflowing the timer's arithmetic on the clock.
     */
    static long periodNanos(Duration period) {
        return period.compareTo(Duration.ofNanos(LONGEST_PERIOD_NANOS)) >= 0 ? LONGEST_PERIOD_NANOS : period.toNanos();
    }

    /** The timer's thread, for tests; {@code null} when the period is zero. */
    Thread thread() {
        return thread;
    }

    /**
     * Parks for at most {@code delayNanos}, unless a wake came since {@link #woken} was last cleared. The timer says
     * it is {@link #waiting} first, then looks at {@code woken} once more; a {@link #wake} sets {@code woken} first,
     * then looks at {@code waiting}. All four accesses are volatile, so they come in one order (the synchronization
     * order), which keeps each thread's own order. If the timer's write comes first, the wake's read, after the
     * wake's write and so after the timer's, sees the timer waiting (or back already), and unparks it; if the
     * wake's write comes first, the timer's read, after the timer's write and so after the wake's, sees the wake,
     * and the timer does not park. An unpark that comes before the park makes the park return at once. So no wake
     * is lost; one that sees the timer waiting just as it comes back leaves it a permit, and its next park returns
     * at once into a run that finds nothing new.
     */
    private void awaitWake(long delayNanos) {
        waiting = true;
        if (!woken.get()) {
            LockSupport.parkNanos(this, delayNanos);
        }
        waiting = false;
    }

    /**
     * An answer came back, or a shard has something due earlier: the next run goes now. Unparks the timer only when
     * it waits ({@link #awaitWake}): an unpark is a call into the JVM that takes the thread's park lock, and a system
     * call when the thread is parked, paid by a completion thread per answer (or by a decision thread), while a
     * running timer needs none: it sees {@link #woken} before it parks again. What the caller wrote before the wake
     * (an answer's count in flight, a due time: volatile writes) the timer's next run reads: the flag is set either
     * before the timer clears it for a run, and then that write, the clear and the run's volatile reads come in that
     * order, or after, and then the timer sees it before it parks, or is unparked, as {@link #awaitWake} says.
     */
    private void wake() {
        woken.set(true);
        if (waiting) {
            LockSupport.unpark(thread);
        }
    }

    /**
     * The wait before the next run: until the next regular run, or {@link #BACKLOG_PAUSE} when a backlog asks
     * for one sooner.
     */
    static long nextDelayNanos(long untilRegularNanos, boolean backlog) {
        long untilRegular = Math.max(0, untilRegularNanos);
        return backlog ? Math.min(untilRegular, BACKLOG_PAUSE.toNanos()) : untilRegular;
    }

    /** Stops the timer and waits for a run in progress (a run waits for ring space at most, which stages free). */
    void stop() {
        if (thread == null) {
            return;
        }
        stopped = true;
        LockSupport.unpark(thread);
        StageThreads.joinUninterruptibly(thread);
    }

    /**
     * What became of one shard's time commands: the callback they are sent with. A run sends one for what is due
     * only when none is in flight ({@link #trySend}). An answer holding at least
     * {@link Limits#MAX_FORGOTTEN_PER_COMMAND} events (it forgot the most one may, or expired at least as many) is
     * <i>full</i>, and leaves a backlog when the shard's entry in {@link DueTimes} is {@link DueTimes#DUE_NOW}: its
     * decision stage, recomputing the due time after the command, found more due by the command's own time. A full
     * answer with nothing more due at once leaves none: under a steady intake the due times send a time command as
     * each full command's worth falls due, and each used to be followed by a backlog's that found nothing, about
     * twice the time commands. The entry is read on the completion thread, after the decision stage wrote it for
     * this command (a volatile write before the stages after it saw the command), but the decision stage may have
     * gone on: a later command only brings the entry down (it may schedule something at once, and a backlog then
     * starts one step early, one command that does that), and a later time command of the backlog sets it to what
     * is due after itself (none: the backlog ends one step early, when the later command already took what was
     * due; more: it goes on). So the answer at worst sends one more or one fewer command of a ramp, and never leaves
     * anything due undone: the entry itself has the timer send a time command whenever none is in flight.
     * With a backlog, more commands may be in flight at once ({@link #takeBacklogRoom}):
     * one for each full answer in a row since the last that was not, up to {@link #maxInFlight}. Each full answer
     * frees its own place and makes one more, so the commands in flight double with each trip through the ring that
     * comes back full; an answer that is not full, or after which nothing more is due at once, ends the backlog until
     * the next due time. How many
     * orders a backlog holds the engine cannot know (the due time says when the oldest fall due, not how many have
     * since), and the commands in flight when it is found gone are at
     * most as many as the full answers before: a backlog of 300 orders takes two commands, not {@code maxInFlight} (a
     * backlog used to send them all at once after one full answer, and with a short window and a large ring, a
     * thousand time commands a period went through the ring, the decision stage, the journal and the answers,
     * forgetting nothing).
     *
     * <p>Under a sale's full load a command waits behind a ring's worth of purchases, and behind the wait for space
     * in a full ring (a quarter of it, {@link RingSpace}): a trip takes about 1.25 rings' worth of new orders. So
     * the most commands in flight scale with the ring, one per {@link #RING_SLOTS_PER_COMMAND} slots: a trip at the
     * most forgets up to about four rings' worth of orders, three times what it brings in, and a backlog drains
     * while the decision stage keeps up. It gets there in {@code log2(maxInFlight)} trips (four in the default
     * 1,024-slot ring, ten in a 65,536-slot one), a backlog meanwhile growing by at most that many trips' intake.
     * A fixed eight forgot 2,040 a trip, which a ring of 1,024 slots under a loaded machine's
     * scheduling delays, or any larger ring, outgrew: the orders remembered grew until the heap ran out.
     *
     * <p>They go into the ring spread between the purchases, not as one block: while one of a shard's commands is
     * in flight, a run sends only one more for each {@link #RING_SLOTS_PER_COMMAND} slots the ring took since the
     * last went in (with none in flight, one goes at once, so a backlog drains one command after another when
     * nothing else comes in). Under a full ring a trip is a ring's worth of slots, so the most in flight is reached
     * as before; in a ring that is not full, where a trip is short, a run that follows each answer (every answer
     * wakes the timer) sends one now and then, 255 orders forgotten for each 64 new ones taken: a purchase waits
     * behind one or two time commands (some 25 to 40 µs of decision work each), not a ring's worth, and forgetting
     * still outpaces the intake about four times. A run used to publish all the room a backlog had in one claim of
     * consecutive slots: with a 65,536-slot ring at its most, 1,024 commands, some 26 ms of forgetting back to back,
     * which every purchase behind them waited out (a latency harness with a one-second window read p99 69 ms at
     * 500,000 purchases a second on 16 cores, where the same run forgetting nothing read 21.5 µs); and the answers
     * of a trip, each waking the timer, would have sent the next ones within it however few went in per claim. The
     * slots short of a command's share count toward the next (a run that rounded them away, or one that sent at most
     * eight, had forgetting fall behind four producers on two cores), and a timer that ran late (a loaded machine)
     * sends what the slots it missed allow, a ring's worth at most and within the room in flight, at once. The
     * counts in flight are written by the timer thread and the shard's completion thread; the full answers in a row
     * by the thread that answers; the slots paid for by the timer thread.
     */
    static final class Answer implements CallerAnswers.Internal {
        /** Time commands a shard with a backlog may have in flight at once in a small ring, at the most. */
        static final int MIN_IN_FLIGHT = 8;
        /**
         * Ring slots per time command a backlog may have in flight at the most: 64, so that the 255 orders each
         * forgets add up to about four times the ring's size, and time commands take at most one slot in 64 of a
         * ring of 512 slots or more (in a smaller one the {@link #MIN_IN_FLIGHT} take more: half of a 16-slot ring).
         */
        static final int RING_SLOTS_PER_COMMAND = 64;

        /** The most commands in flight at once; see the class comment. */
        private final int maxInFlight;
        private final AtomicInteger inFlight = new AtomicInteger();
        /**
         * The commands a backlog may have in flight now: the full answers in a row, at most {@link #maxInFlight};
         * {@code 0} when the last answer was not full (no backlog).
         */
        private volatile int allowed;
        /**
         * Up to where the ring's slots have paid for a command sent ({@link #RING_SLOTS_PER_COMMAND} each): the
         * cursor at most, so slots short of a command's share count toward the next. Only the timer thread reads
         * and writes it.
         */
        private long paidUpTo = -1;
        /** Where the shard's decision stage says when it next has something due: read by a full answer. */
        private final DueTimes dueTimes;
        private final int shard;
        /** Wakes the timer when an answer comes; set once, before the first command is sent. */
        private volatile Runnable wake = () -> {
        };

        Answer(int maxInFlight, DueTimes dueTimes, int shard) {
            this.maxInFlight = maxInFlight;
            this.dueTimes = dueTimes;
            this.shard = shard;
        }

        /**
         * Time commands a backlog may have in flight at once in a ring of {@code ringSize} slots, at the most: one
         * per {@link #RING_SLOTS_PER_COMMAND} slots, at least {@link #MIN_IN_FLIGHT}.
         */
        static int maxInFlight(int ringSize) {
            return Math.max(MIN_IN_FLIGHT, ringSize / RING_SLOTS_PER_COMMAND);
        }

        /** Whether a time command of the shard is unanswered. */
        boolean inFlight() {
            return inFlight.get() > 0;
        }

        /** Whether the last answer left a backlog, or a command is still in flight. */
        boolean backlog() {
            return allowed > 0 || inFlight.get() > 0;
        }

        /** How many commands a backlog may have in flight now (see the class comment); {@code 0}: no backlog. */
        int allowed() {
            return allowed;
        }

        /**
         * Marks one command in flight if none is (for what is due), its ring's cursor at {@code cursor}; only the
         * timer thread calls this.
         */
        boolean trySend(long cursor) {
            if (!inFlight.compareAndSet(0, 1)) {
                return false;
            }
            paidUpTo = cursor;
            return true;
        }

        /**
         * How many more commands a backlog may send now, its ring's cursor at {@code cursor}: marks them in flight.
         * As many as it may have in flight ({@link #allowed}), and while one is in flight at most one per
         * {@link #RING_SLOTS_PER_COMMAND} slots the ring took that no command sent has paid for yet (of the last
         * ring's worth of slots); with none in flight, one at once.
         */
        int takeBacklogRoom(long cursor) {
            int inFlightNow = inFlight.get();
            long since = Math.max(paidUpTo, cursor - (long) maxInFlight * RING_SLOTS_PER_COMMAND);
            long spread = (cursor - since) / RING_SLOTS_PER_COMMAND;
            long room = Math.min(allowed - inFlightNow, inFlightNow == 0 ? Math.max(1, spread) : spread);
            if (room <= 0) {
                return 0;
            }
            inFlight.addAndGet((int) room);
            paidUpTo = Math.min(cursor, since + room * RING_SLOTS_PER_COMMAND);
            return (int) room;
        }

        /**
         * {@code commands} marked in flight were not sent after all (the ring was full, the intake closed, or the
         * publication threw).
         */
        void notSent(int commands) {
            inFlight.addAndGet(-commands);
        }

        @Override
        public void onOutcome(OutcomeView outcome) {
            // one thread answers a shard's commands, in their order: the only writer while the engine runs
            allowed = outcome.eventCount() >= Limits.MAX_FORGOTTEN_PER_COMMAND
                    && dueTimes.dueAt(shard) == DueTimes.DUE_NOW ? Math.min(maxInFlight, allowed + 1) : 0;
            inFlight.decrementAndGet();
            wake.run();
        }

        @Override
        public void onFailure(Throwable cause) {
            allowed = 0;
            inFlight.decrementAndGet();
            wake.run();
        }
    }
}
