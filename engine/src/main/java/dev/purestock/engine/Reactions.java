package dev.purestock.engine;

import dev.purestock.domain.Command;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The engine's {@link Reaction}s at work, and what they have done ({@link PurestockEngine#reactions()}).
 *
 * <p><b>Where they run.</b> Each shard's completion stage ({@code purestock-shard-N-complete}), after answering a
 * sequenced command, hands the command and its outcome to a bounded queue (capacity
 * {@link PurestockEngine.Builder#reactionQueue}) and goes on; one thread, {@code purestock-reactions}, takes them in
 * order, runs every reaction on each, and submits the follow-ups with {@link PurestockEngine#submit(Command)}. That
 * thread is not a stage thread: it waits for ring space like any producer, so a full ring slows the reactions down
 * (honest backpressure) and never deadlocks a stage. Follow-ups are commands like any other, and their outcomes
 * come back to the reactions (chains are allowed, with the same rules; a reaction must itself stop a chain).
 *
 * <p><b>A full queue.</b> The completion stage never waits for this queue (it would hold every answer and, while
 * the reaction thread waits for ring space, deadlock the engine). When the queue is full the outcome's reactions
 * do not run: that is counted ({@link #dropped()}) and logged as a warning naming the command (at the first drop
 * and each time the count reaches a power of two), never silent. Size the queue for the longest burst the
 * reactions must absorb, and keep reactions quick (return a stage for slow work); a follow-up lost this way is
 * recovered as after a crash (below). A reservation left without its follow-up still expires.
 *
 * <p><b>Replay and crashes.</b> Reactions see live outcomes only: recovery applies journaled events to the state
 * and calls no consumer or reaction, so a command already in the journal never fires its reactions again (its
 * follow-ups, if they were submitted, are in the journal too). The consequence: a follow-up that had not been
 * submitted when the process stopped (its reaction queued, running, or waiting on the outside world) is lost
 * unless the service derives it again from the recovered state on start (docs/reactions.md, "Replay and crashes").
 * On {@link PurestockEngine#close()} the engine stops taking commands first, so follow-ups not yet submitted are
 * refused ({@link #followUpsFailed()}), and outcomes queued, or answered while close drains the engine, are
 * {@link #dropped()} rather than reacted to (a reaction already running finishes, and close waits for it): call
 * {@link #awaitIdle} before closing to let them finish.
 *
 * <p><b>Failures.</b> A reaction that throws or returns a failed stage, or a stage whose {@code whenComplete}
 * throws (once: if it called back first, its follow-ups are still submitted), or whose list of follow-ups throws as
 * it is read (after the follow-ups before the throw were submitted), is logged and counted ({@link #failures()});
 * a follow-up the engine refuses to take (closed, stopped), or whose submission throws (an {@link Error} too), is
 * logged and counted ({@link #followUpsFailed()}), and the follow-ups after it are still submitted. A
 * follow-up the domain rejects is an outcome like any other: it reaches the reactions. A follow-up the engine took
 * but failed to answer ({@link OutcomeNotDeliveredException}: it stands, decided and durable) reached no consumer,
 * so the reactions to it did not run: it is counted in {@link #dropped()}. A reaction that leaves its thread
 * interrupted (it restored an interrupt it caught) is no failure: the interrupt is cleared before the next one runs.
 */
public final class Reactions {
    private static final Logger LOG = LoggerFactory.getLogger(Reactions.class);
    private static final String THREAD_NAME = "purestock-reactions";
    /** How often {@link #awaitIdle} looks whether the completion stages have reached the ring's cursor. */
    private static final long COMPLETION_POLL_NANOS = 100_000;
    /** A reaction's stage has neither called back nor thrown from its {@code whenComplete}. */
    private static final int OPEN = 0;
    /** A reaction's stage called back with follow-ups. */
    private static final int CALLED_BACK = 1;
    /** A reaction failed and was counted: its stage called back with a failure, or its {@code whenComplete} threw. */
    private static final int FAILED = 2;

    private final Reaction[] reactions;
    private final int capacity;
    /** Reactions to run and follow-ups to submit, in order; {@link #queuedOutcomes} bounds the outcomes in it. */
    private final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedOutcomes = new AtomicInteger();
    /**
     * Work not finished: outcomes queued or being reacted to, reaction stages not completed, follow-ups submitted
     * whose outcome has not reached the queue yet. Zero only when nothing more will follow without new commands.
     */
    private final AtomicLong pending = new AtomicLong();
    /** Follow-ups submitted and not yet seen by the completion stage, by identity, with how many times. */
    private final Map<Command, Integer> inFlight = new IdentityHashMap<>();
    private final AtomicLong reacted = new AtomicLong();
    private final AtomicLong followUps = new AtomicLong();
    private final AtomicLong followUpsFailed = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final Object idle = new Object();
    private final Runnable stop = () -> { };
    private volatile boolean stopping;
    /** Set as close begins: the engine takes no follow-up from then on, so no outcome is reacted to either. */
    private volatile boolean closing;
    /** Set by the reaction thread as it leaves: whatever is queued after its last look runs where it is queued. */
    private volatile boolean exited;
    private PurestockEngine engine;
    private Shard[] shards = new Shard[0];
    private Thread thread;

    Reactions(List<Reaction> reactions, int capacity) {
        this.reactions = reactions.toArray(new Reaction[0]);
        this.capacity = capacity;
    }

    /** Whether any reaction is registered (otherwise nothing is queued and no thread runs). */
    boolean active() {
        return reactions.length > 0;
    }

    /** The consumer the completion stages hand outcomes to. */
    OutcomeConsumer consumer() {
        return this::offer;
    }

    /** Sees the engine's shards, for {@link #awaitIdle}, with or without reactions to run. */
    void watch(Shard[] targetShards) {
        this.shards = targetShards.clone();
    }

    /** Starts the reaction thread, submitting follow-ups to {@code target}, whose shards are {@code shards}. */
    void start(PurestockEngine target, Shard[] targetShards) {
        this.engine = target;
        watch(targetShards);
        thread = new Thread(this::run, THREAD_NAME);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The engine's close has begun and its intake is closed: every follow-up would be refused, so the outcomes
     * queued or still to come are dropped rather than reacted to (a reaction would act on the outside world, a payment
     * charged, with no follow-up to record it). A reaction already running finishes.
     */
    void closing() {
        closing = true;
    }

    /**
     * Stops the reaction thread once the engine is closed: what is queued is dropped or refused, as counted. Waits
     * for the thread at most {@code timeout} ({@code null}: as long as it takes), unless called on it.
     */
    void stop(Duration timeout) {
        if (thread == null) {
            return;
        }
        if (!stopping) {
            stopping = true;
            tasks.add(stop);
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        // joins again on a later close: a bounded close may have left the thread busy in a reaction. An interrupt does
        // not end the wait (a close on a thread left interrupted still waits for the reaction running): it is kept
        if (timeout == null) {
            StageThreads.joinUninterruptibly(thread);
        } else {
            // at least a moment, even when none is left
            StageThreads.joinUninterruptibly(thread, System.nanoTime()
                    + Math.min(Math.max(1_000_000, Durations.saturatedNanos(timeout)), Long.MAX_VALUE / 2));
        }
    }

    /** How many outcomes can wait for the reaction thread before the next is dropped. */
    public int capacity() {
        return capacity;
    }

    /** How many outcomes wait for the reaction thread now: never more than {@link #capacity()}. */
    public int queued() {
        return queuedOutcomes.get();
    }

    /** How many outcomes the reactions have run on. */
    public long reacted() {
        return reacted.get();
    }

    /** How many follow-up commands were submitted to the engine. */
    public long followUpsSubmitted() {
        return followUps.get();
    }

    /** How many follow-ups the engine did not take (closed, stopped, refused, or submitting it threw): each logged. */
    public long followUpsFailed() {
        return followUpsFailed.get();
    }

    /** How many times a reaction threw or its stage failed (each was logged and isolated). */
    public long failures() {
        return failures.get();
    }

    /**
     * How many outcomes' reactions did not run: the queue was full, the engine was closing, or it failed to answer a
     * follow-up it took ({@link OutcomeNotDeliveredException}); logged at the first drop and each time this count
     * reaches a power of two.
     */
    public long dropped() {
        return dropped.get();
    }

    /**
     * Waits until the reactions have nothing left to do: every command published before this call has passed its
     * shard's completion stage (a caller is answered just before the reactions are handed its outcome), every outcome
     * queued was reacted to, every reaction's stage completed, and every follow-up submitted was answered and its own
     * outcome reacted to, so no follow-up is on its way. Commands submitted meanwhile by others extend the wait. Call
     * it before closing the engine to let the follow-ups of what was submitted get in. Never call it from a reaction:
     * it would wait for itself until {@code timeout}.
     *
     * @return whether that happened within {@code timeout}
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.min(Durations.saturatedMillis(timeout), Long.MAX_VALUE / 4_000_000)
                * 1_000_000;
        long[] published = new long[shards.length];
        while (true) {
            for (int i = 0; i < shards.length; i++) {
                published[i] = shards[i].ring().getCursor();
                if (!awaitAnswered(shards[i], published[i], deadline)) {
                    return false;
                }
            }
            synchronized (idle) {
                while (pending.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    idle.wait(Math.max(1, left / 1_000_000));
                }
            }
            // a follow-up published after the cursors were read may still be handing its outcome to the reactions
            // on a shard that was not its first: a command for every shard is answered once all of them have it, so
            // its later shards' outcomes can reach the queue after nothing is pending; look again until none came
            if (!publishedSince(published)) {
                return true;
            }
            if (deadline - System.nanoTime() <= 0) {
                return false;
            }
        }
    }

    /** Waits until {@code shard}'s completion stage has answered every slot through {@code published}. */
    private static boolean awaitAnswered(Shard shard, long published, long deadline) throws InterruptedException {
        while (!shard.completion().answeredThrough(published)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            if (Thread.interrupted()) {
                throw new InterruptedException("awaitIdle was interrupted");
            }
            LockSupport.parkNanos(Math.min(left, COMPLETION_POLL_NANOS));
        }
        return true;
    }

    /** Whether a shard's ring has published past {@code published} (one cursor per shard). */
    private boolean publishedSince(long[] published) {
        for (int i = 0; i < shards.length; i++) {
            if (shards[i].ring().getCursor() != published[i]) {
                return true;
            }
        }
        return false;
    }

    /** On a completion thread: queues the reactions to one outcome, never waiting. */
    private void offer(Command command, Outcome outcome) {
        boolean followUp = takeInFlight(command);
        boolean closed = stopping || closing;
        if (closed || !takeRoom()) {
            drop(command, outcome, closed ? "the engine is closing" : "the reaction queue is full (capacity "
                    + capacity + ")");
            if (followUp) {
                done();
            }
            return;
        }
        if (!followUp) {
            pending.incrementAndGet();
        }
        tasks.add(() -> react(command, outcome));
    }

    /**
     * Takes room for one more outcome in the queue, or says there is none; {@link #queued()} never reads more than
     * the capacity, not even for a moment (a count taken first and given back when over would read so).
     */
    private boolean takeRoom() {
        int queued;
        do {
            queued = queuedOutcomes.get();
            if (queued >= capacity) {
                return false;
            }
        } while (!queuedOutcomes.compareAndSet(queued, queued + 1));
        return true;
    }

    private void run() {
        while (true) {
            Runnable task;
            try {
                task = tasks.take();
            } catch (InterruptedException e) {
                continue; // only the stop task ends this thread; nothing else of the engine interrupts it
            }
            if (task == stop) {
                // what was queued behind the stop (a reaction's stage that completed as the engine closed) still
                // runs: a reaction is dropped and a follow-up refused by the closed engine, each counted. Said
                // first, so that a stage completing later runs its follow-ups itself (see react)
                exited = true;
                for (Runnable late = tasks.poll(); late != null; late = tasks.poll()) {
                    late.run();
                }
                return;
            }
            task.run();
            // an interrupt a reaction left (one it restored after catching it) is its own: taken for a reason to stop
            // as this thread waits for the next outcome, it would end the reactions; nor may it reach the next one
            Thread.interrupted();
        }
    }

    /** On the reaction thread: runs every reaction on one outcome. */
    private void react(Command command, Outcome outcome) {
        queuedOutcomes.decrementAndGet();
        if (stopping || closing) {
            drop(command, outcome, "the engine is closing");
            done();
            return;
        }
        reacted.incrementAndGet();
        for (Reaction reaction : reactions) {
            pending.incrementAndGet();
            CompletionStage<List<Command>> stage;
            try {
                stage = reaction.react(command, outcome);
                if (stage == null) {
                    throw new NullPointerException("the reaction returned null; return Reaction.none() for no "
                            + "follow-up");
                }
            } catch (Throwable e) {
                // an Error too (its own unbounded recursion, memory running out as it builds its follow-ups), as a
                // consumer's is: rethrown, it would end the reaction thread, and no reaction would run again
                failed(reaction, command, outcome, e);
                done();
                continue;
            }
            // OPEN until the stage calls back (CALLED_BACK, or FAILED with a failure) or its whenComplete throws
            AtomicInteger settled = new AtomicInteger(OPEN);
            try {
                stage.whenComplete((commands, failure) -> {
                    if (!settled.compareAndSet(OPEN, failure != null ? FAILED : CALLED_BACK)) {
                        return; // its whenComplete threw first: the reaction failed, and is done
                    }
                    if (failure != null) {
                        failed(reaction, command, outcome, failure);
                        done();
                    } else {
                        Runnable followUps = () -> submit(reaction, command, outcome, commands);
                        tasks.add(followUps);
                        if (exited && tasks.remove(followUps)) {
                            // the reaction thread is gone (the engine closed): refused here, counted and logged
                            followUps.run();
                        }
                    }
                });
            } catch (Throwable e) {
                // a stage of the reaction's own making whose whenComplete threw (an Error too): rethrown, it would end
                // the reaction thread. The reaction failed, counted once (here unless its callback ran first with a
                // failure, and counted it); it is done here unless its callback ran first (and queued its follow-ups,
                // or was done), and a callback that runs later does nothing
                if (settled.compareAndSet(OPEN, FAILED)) {
                    failed(reaction, command, outcome, e);
                    done();
                } else if (settled.get() == CALLED_BACK) {
                    failed(reaction, command, outcome, e);
                }
            }
        }
        done();
    }

    /** On the reaction thread: submits one reaction's follow-ups, waiting for ring space as a producer does. */
    private void submit(Reaction reaction, Command cause, Outcome outcome, List<Command> commands) {
        try {
            if (commands == null) {
                failed(reaction, cause, outcome, new NullPointerException("the reaction's stage completed with null; "
                        + "complete it with List.of() for no follow-up"));
                return;
            }
            for (Command followUp : commands) {
                submitFollowUp(reaction, cause, outcome, followUp);
            }
        } catch (Throwable e) {
            // the reaction's list threw as it was read (one its code still changes: a ConcurrentModificationException;
            // an Error too): the follow-ups before it were submitted, and the reaction failed. Rethrown, it would end
            // the reaction thread, so no reaction would run again, and leave the reaction pending, so awaitIdle would
            // never see the reactions idle
            failed(reaction, cause, outcome, e);
        } finally {
            done();
        }
    }

    /** Submits one follow-up of {@code reaction}, counted pending until its outcome is reacted to. */
    private void submitFollowUp(Reaction reaction, Command cause, Outcome outcome, Command followUp) {
        if (followUp == null) {
            failed(reaction, cause, outcome, new NullPointerException("a follow-up command is null"));
            return;
        }
        pending.incrementAndGet();
        putInFlight(followUp);
        followUps.incrementAndGet();
        CompletableFuture<Outcome> answer;
        try {
            answer = engine.submit(followUp);
        } catch (Throwable e) {
            // an Error too (memory running out as the engine publishes it): it was not taken. Rethrown, it would end
            // the reaction thread, so no reaction would run again, and leave this follow-up pending, so awaitIdle
            // would never see the reactions idle; the follow-ups after it still go
            followUpsFailed.incrementAndGet();
            LOG.warn("follow-up {} of command {} (shard {}, sequence {}) was not taken: submitting it threw",
                    followUp, cause, outcome.shard(), outcome.sequence(), e);
            if (takeInFlight(followUp)) {
                done();
            }
            return;
        }
        answer.whenComplete((result, failure) -> {
            if (failure instanceof OutcomeNotDeliveredException taken) {
                // taken and durable, but the engine failed as it answered: its outcome reached no consumer
                drop(followUp, taken.shard(), taken.sequence(), "it was sequenced and stands, but the "
                        + "engine failed as it answered it (" + taken.getCause() + ")");
            } else if (failure != null) {
                followUpsFailed.incrementAndGet();
                LOG.warn("follow-up {} of command {} (shard {}, sequence {}) was not taken: {}", followUp,
                        cause, outcome.shard(), outcome.sequence(), failure.toString());
            }
            if ((failure != null || result.shard() == Outcome.NOT_SEQUENCED) && takeInFlight(followUp)) {
                done(); // never sequenced: no outcome of it will reach the queue
            }
        });
    }

    private void putInFlight(Command command) {
        synchronized (inFlight) {
            inFlight.merge(command, 1, Integer::sum);
        }
    }

    /** Whether {@code command} is a follow-up on its way, which it then no longer is. */
    private boolean takeInFlight(Command command) {
        synchronized (inFlight) {
            if (inFlight.isEmpty()) {
                return false;
            }
            Integer count = inFlight.get(command);
            if (count == null) {
                return false;
            }
            if (count == 1) {
                inFlight.remove(command);
            } else {
                inFlight.put(command, count - 1);
            }
            return true;
        }
    }

    private void done() {
        if (pending.decrementAndGet() == 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    private void failed(Reaction reaction, Command command, Outcome outcome, Throwable failure) {
        failures.incrementAndGet();
        LOG.warn("reaction {} failed on command {} (shard {}, sequence {}); it was isolated, nothing was submitted "
                + "for it", reaction, command, outcome.shard(), outcome.sequence(), failure);
    }

    private void drop(Command command, Outcome outcome, String why) {
        drop(command, outcome.shard(), outcome.sequence(), why);
    }

    private void drop(Command command, int shard, long sequence, String why) {
        long count = dropped.incrementAndGet();
        if (Long.bitCount(count) == 1) {
            LOG.warn("the reactions to command {} (shard {}, sequence {}) did not run: {}; {} dropped so far. A "
                    + "follow-up lost so must be derived again from the state (see docs/reactions.md)", command,
                    shard, sequence, why, count);
        }
    }
}
