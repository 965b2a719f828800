package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.ExceptionHandler;
import com.lmax.disruptor.Sequence;

/**
 * A stage that sets its own sequence at the end of each batch, and at a slot it threw on, and then tells whoever
 * waits on its progress: the stages behind it ({@link StageSignal#signalling}) or, for the ring's last stage, the
 * publishers waiting for room ({@link RingSpace#freedBy}).
 *
 * <p>The processor sets the same value once the batch (or the exception handler) returns; setting it first lets
 * the wake-up reach a waiter that already sees the progress it is woken for. It is a volatile set: its fence keeps
 * the reads of the waiters that follow from passing the store, which a plain (release) set allows; a waiter would
 * then read the old sequence, and this stage the waiter's old absence, and the waiter would sleep its whole
 * safety-net park with work (or room) waiting.
 *
 * <p>A slot the stage threw on ends its batch too: the Disruptor hands the throw to the stage's exception handler,
 * which records the failure at that slot, and then sets the sequence itself. {@link #exceptions} passes the slot
 * once that handler has returned: never before, since the handler reads the slot, and a set sequence lets a
 * stage behind pass it as if it had not failed, and a publisher overwrite it.
 *
 * @param <T> the ring's slot
 */
final class PassingStage<T> implements EventHandler<T> {
    /** What follows once the stage has set its sequence at a slot it passed. */
    @FunctionalInterface
    interface Passed {
        /**
         * @param sequence     the stage's sequence, set at {@code ringSequence}; {@code null} before the processor
         *                     gave it ({@link EventHandler#setSequenceCallback}), and then not set
         * @param ringSequence the slot passed
         */
        void passed(Sequence sequence, long ringSequence);
    }

    private final EventHandler<T> stage;
    private final Passed then;
    private Sequence sequence;

    PassingStage(EventHandler<T> stage, Passed then) {
        this.stage = stage;
        this.then = then;
    }

    /** The stage's sequence, once the processor gave it. */
    Sequence sequence() {
        return sequence;
    }

    /**
     * Where what {@code stage} throws goes: to {@code exceptions}, and then, for a passing stage, its sequence is set
     * at the failed slot, as the Disruptor sets it next, and its waiters are told. A throw on the slot that ends a
     * batch skips that batch's end, so without this nobody would be told of that batch.
     */
    static <T> ExceptionHandler<T> exceptions(EventHandler<T> stage, ExceptionHandler<T> exceptions) {
        return stage instanceof PassingStage<T> passing ? new PassAfterFailure<>(passing, exceptions) : exceptions;
    }

    @Override
    public void onEvent(T slot, long ringSequence, boolean endOfBatch) throws Exception {
        stage.onEvent(slot, ringSequence, endOfBatch);
        if (endOfBatch) {
            passed(ringSequence);
        }
    }

    /** Sets this stage's sequence at {@code ringSequence}, which it has passed, and tells its waiters. */
    void passed(long ringSequence) {
        if (sequence != null) {
            sequence.setVolatile(ringSequence);
        }
        then.passed(sequence, ringSequence);
    }

    @Override
    public void setSequenceCallback(Sequence sequenceCallback) {
        this.sequence = sequenceCallback;
        stage.setSequenceCallback(sequenceCallback);
    }

    @Override
    public void onBatchStart(long batchSize, long queueDepth) {
        stage.onBatchStart(batchSize, queueDepth);
    }

    @Override
    public void onStart() {
        stage.onStart();
    }

    @Override
    public void onShutdown() {
        stage.onShutdown();
    }

    @Override
    public void onTimeout(long ringSequence) throws Exception {
        stage.onTimeout(ringSequence);
    }

    /**
     * A passing stage's exception handler: the failure goes to the handler first, which records it at the slot, and
     * only then does the stage pass the slot. A handler that throws (it must not) leaves the sequence as it was.
     */
    private record PassAfterFailure<T>(PassingStage<T> stage, ExceptionHandler<T> exceptions)
            implements ExceptionHandler<T> {
        @Override
        public void handleEventException(Throwable ex, long ringSequence, T slot) {
            exceptions.handleEventException(ex, ringSequence, slot);
            stage.passed(ringSequence);
        }

        @Override
        public void handleOnStartException(Throwable ex) {
            exceptions.handleOnStartException(ex);
        }

        @Override
        public void handleOnShutdownException(Throwable ex) {
            exceptions.handleOnShutdownException(ex);
        }
    }
}
