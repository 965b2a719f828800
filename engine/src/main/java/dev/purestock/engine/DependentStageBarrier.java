package dev.purestock.engine;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.BatchEventProcessor;
import com.lmax.disruptor.BatchEventProcessorBuilder;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.FixedSequenceGroup;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.EventProcessorFactory;

import java.util.concurrent.locks.LockSupport;

/**
 * The barrier of a stage that runs after another stage: it waits until every stage before it has passed a
 * slot, and no longer.
 *
 * <p>The Disruptor's own barrier also asks the sequencer which of those slots are published; with many
 * producers that reads one availability flag per slot, written by the producers' cores, for every stage of
 * the pipeline (its issue #469). A slot a stage before this one has passed was published, or that stage could
 * not have passed it, so behind the decision stage the question answers itself: this barrier skips it. The
 * decision stage, which reads straight from the ring, keeps the Disruptor's barrier.
 *
 * <p>How it waits: with the ring's own wait strategy ({@link #stage}), or, for the engine's
 * {@link WaitStrategyKind#BLOCKING} kind, parked until a {@link StageSignal} says a stage before it finished a
 * batch ({@link #blocking}): the Disruptor's blocking strategy would spin here.
 *
 * <p>A stage with {@link IdleWork} gets its thread back whenever the stages before it have nothing for it and it
 * has some: {@link #waitFor} throws the Disruptor's {@link TimeoutException}, on which the processor calls the
 * stage's {@link EventHandler#onTimeout} and then waits again, a turn at a time. Work that becomes possible while
 * the stage already waits ends the wait too: the wait strategies look at {@link #checkAlert} as they wait, and it
 * then throws an {@link AlertException}, on which a processor still running waits again, and so finds the work.
 */
final class DependentStageBarrier implements SequenceBarrier {
    /** Spins before a blocking barrier parks: a batch that is about to end costs no wake-up. */
    private static final int SPINS_BEFORE_PARKING = 100;
    /** The longest a blocking barrier parks before it looks again, signal or not: a safety net only. */
    private static final long PARK_NANOS = 1_000_000;

    /** The ring's wait strategy; {@code null} for a blocking barrier, which parks on {@link #signal}'s word. */
    private final WaitStrategy waitStrategy;
    private final StageSignal signal;
    private final Sequence cursor;
    private final Sequence dependents;
    /** The sequences of the stages before this one, each the very object the stage moves. */
    private final Sequence[] upstream;
    /** How long a blocking barrier parks at most ({@link #PARK_NANOS}, or longer in tests). */
    private final long parkNanos;
    /** The stage's own work, done when the ring has nothing for it; {@code null}: none. */
    private final IdleWork idleWork;
    private volatile boolean alerted;
    private volatile Thread parkedThread;

    private DependentStageBarrier(WaitStrategy waitStrategy, StageSignal signal, long parkNanos, RingBuffer<?> ring,
                                  Sequence[] upstream, IdleWork idleWork) {
        if (upstream.length == 0) {
            throw new IllegalArgumentException("a dependent stage needs a stage before it");
        }
        this.waitStrategy = waitStrategy;
        this.signal = signal;
        this.parkNanos = parkNanos;
        this.idleWork = idleWork;
        this.cursor = new CursorView(ring);
        this.upstream = upstream.clone();
        this.dependents = upstream.length == 1 ? upstream[0] : new FixedSequenceGroup(upstream);
        if (signal != null) {
            signal.register(this);
        }
    }

    /**
     * Builds {@code handler}'s processor behind the stages whose sequences the Disruptor passes in, waiting
     * with {@code waitStrategy} (the ring's own, so that publishers wake it); what {@code handler}
     * throws goes to {@code exceptions}, as the Disruptor's default handler would take it.
     */
    static <T> EventProcessorFactory<T> stage(WaitStrategy waitStrategy, EventHandler<? super T> handler,
                                              ExceptionHandler<? super T> exceptions) {
        return stage(waitStrategy, handler, exceptions, null);
    }

    /**
     * As {@link #stage(WaitStrategy, EventHandler, ExceptionHandler)}, for a stage that does {@code idleWork}
     * ({@code null}: none) whenever the stages before it have nothing for it.
     */
    static <T> EventProcessorFactory<T> stage(WaitStrategy waitStrategy, EventHandler<? super T> handler,
                                              ExceptionHandler<? super T> exceptions, IdleWork idleWork) {
        return (ring, upstream) -> processor(ring,
                new DependentStageBarrier(waitStrategy, null, 0, ring, upstream, idleWork), handler, exceptions);
    }

    /**
     * Builds {@code handler}'s processor behind the stages whose sequences the Disruptor passes in, parked while
     * it has nothing to do until {@code signal} wakes it; the stages before it must signal (see
     * {@link StageSignal#signalling}). What {@code handler} throws goes to {@code exceptions}.
     */
    static <T> EventProcessorFactory<T> blocking(StageSignal signal, EventHandler<? super T> handler,
                                                 ExceptionHandler<? super T> exceptions) {
        return blocking(signal, handler, exceptions, null);
    }

    /**
     * As {@link #blocking(StageSignal, EventHandler, ExceptionHandler)}, for a stage that does {@code idleWork}
     * ({@code null}: none) whenever the stages before it have nothing for it.
     */
    static <T> EventProcessorFactory<T> blocking(StageSignal signal, EventHandler<? super T> handler,
                                                 ExceptionHandler<? super T> exceptions, IdleWork idleWork) {
        return blocking(signal, handler, exceptions, PARK_NANOS, idleWork);
    }

    /**
     * As {@link #blocking(StageSignal, EventHandler, ExceptionHandler)}, parking at most {@code parkNanos} before it
     * looks again unsignalled: for tests, which park for as good as ever to show that the signal alone wakes it.
     */
    static <T> EventProcessorFactory<T> blocking(StageSignal signal, EventHandler<? super T> handler,
                                                 ExceptionHandler<? super T> exceptions, long parkNanos) {
        return blocking(signal, handler, exceptions, parkNanos, null);
    }

    private static <T> EventProcessorFactory<T> blocking(StageSignal signal, EventHandler<? super T> handler,
                                                         ExceptionHandler<? super T> exceptions, long parkNanos,
                                                         IdleWork idleWork) {
        return (ring, upstream) -> {
            requireSignalled(signal, upstream);
            return processor(ring, new DependentStageBarrier(null, signal, parkNanos, ring, upstream, idleWork),
                    handler, exceptions);
        };
    }

    /**
     * Fails unless each of {@code upstream} is the sequence a stage signalling through {@code signal} moves: a
     * signal names the stage that moved by its sequence ({@link #waitsOn}), so a stage handed another object for it
     * (as a Disruptor that wrapped or copied the sequences it hands a factory would) would be woken only by its
     * safety-net park, {@link #PARK_NANOS} after every step of the ring, and no answer would say so.
     */
    private static void requireSignalled(StageSignal signal, Sequence[] upstream) {
        for (int i = 0; i < upstream.length; i++) {
            if (!signal.signals(upstream[i])) {
                throw new IllegalStateException("the blocking stage is wired behind a sequence (" + (i + 1) + " of "
                        + upstream.length + ") that no stage signalling its progress moves: it would only wake when "
                        + "its park of " + PARK_NANOS + " ns ran out");
            }
        }
    }

    /**
     * A blocking barrier behind the stages whose sequences are {@code upstream}, woken by {@code signal}, parking at
     * most {@code parkNanos} unsignalled: for tests of the barrier itself.
     */
    static DependentStageBarrier parking(StageSignal signal, RingBuffer<?> ring, Sequence[] upstream, long parkNanos) {
        return new DependentStageBarrier(null, signal, parkNanos, ring, upstream, null);
    }

    private static <T> BatchEventProcessor<T> processor(RingBuffer<T> ring, SequenceBarrier barrier,
                                                        EventHandler<? super T> handler,
                                                        ExceptionHandler<? super T> exceptions) {
        BatchEventProcessor<T> processor = new BatchEventProcessorBuilder().build(ring, barrier, handler);
        processor.setExceptionHandler(exceptions);
        return processor;
    }

    @Override
    public long waitFor(long sequence) throws AlertException, InterruptedException, TimeoutException {
        if (alerted) {
            throw AlertException.INSTANCE;
        }
        // an interrupt a callback, consumer or durability stage left on this thread (nothing of the engine interrupts
        // it) would end every park of the wait at once, so that the stage spun a core while idle for as long as the
        // engine ran, and would reach the next command's callbacks: it is the caller code's own, and goes here
        Thread.interrupted();
        if (idleWork != null) {
            long available = dependents.get();
            if (available >= sequence) {
                return available;
            }
            if (idleWork.pending()) {
                throw TimeoutException.INSTANCE; // the stage's turn (onTimeout); then the processor waits again
            }
        }
        if (waitStrategy != null) {
            return waitStrategy.waitFor(sequence, cursor, dependents, this);
        }
        long available;
        int spins = 0;
        while ((available = dependents.get()) < sequence) {
            checkAlert();
            if (spins < SPINS_BEFORE_PARKING) {
                spins++;
                Thread.onSpinWait();
                continue;
            }
            // say we park, then look once more: a signal after this line sees us, one before it set the sequence
            parkedThread = Thread.currentThread();
            if ((available = dependents.get()) >= sequence || alerted) {
                parkedThread = null;
                continue;
            }
            LockSupport.parkNanos(this, parkNanos);
            parkedThread = null;
        }
        return available;
    }

    /** Whether this barrier waits on the stage whose sequence is {@code stage}; read by {@link StageSignal}. */
    boolean waitsOn(Sequence stage) {
        for (Sequence before : upstream) {
            if (before == stage) {
                return true;
            }
        }
        return false;
    }

    /** The thread parked (or about to park) in {@link #waitFor}, or {@code null}; read by {@link StageSignal}. */
    Thread parkedThread() {
        return parkedThread;
    }

    @Override
    public long getCursor() {
        return dependents.get();
    }

    @Override
    public boolean isAlerted() {
        return alerted;
    }

    @Override
    public void alert() {
        alerted = true;
        if (waitStrategy != null) {
            waitStrategy.signalAllWhenBlocking();
        }
        Thread parked = parkedThread;
        if (parked != null) {
            LockSupport.unpark(parked);
        }
    }

    @Override
    public void clearAlert() {
        alerted = false;
    }

    /**
     * Throws when the stage must stop waiting: alerted (the processor halts), or, read while it waits for the stages
     * before it, with work of its own that became possible meanwhile (the processor, still running, waits again,
     * and {@link #waitFor} hands the stage its turn).
     */
    @Override
    public void checkAlert() throws AlertException {
        if (alerted || idleWork != null && idleWork.pending()) {
            throw AlertException.INSTANCE;
        }
    }

    /** The ring's cursor, read as the wait strategies read a cursor sequence; never written. */
    private static final class CursorView extends Sequence {
        private final RingBuffer<?> ring;

        CursorView(RingBuffer<?> ring) {
            this.ring = ring;
        }

        @Override
        public long get() {
            return ring.getCursor();
        }
    }
}
