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

/**
 * The barrier of a stage that runs after another stage: it waits until every stage before it has passed a
 * slot, and no longer.
 *
 * <p>The Disruptor's own barrier also asks the sequencer which of those slots are published; with many
 * producers that reads one availability flag per slot, written by the producers' cores, for every stage of
 * the pipeline (its issue #469). A slot a stage before this one has passed was published, or that stage could
 * not have passed it, so behind the decision stage the question answers itself: this barrier skips it. The
 * decision stage, which reads straight from the ring, keeps the Disruptor's barrier.
 */
final class DependentStageBarrier implements SequenceBarrier {
    private final WaitStrategy waitStrategy;
    private final Sequence cursor;
    private final Sequence dependents;
    private volatile boolean alerted;

    private DependentStageBarrier(WaitStrategy waitStrategy, RingBuffer<?> ring, Sequence[] upstream) {
        if (upstream.length == 0) {
            throw new IllegalArgumentException("a dependent stage needs a stage before it");
        }
        this.waitStrategy = waitStrategy;
        this.cursor = new CursorView(ring);
        this.dependents = upstream.length == 1 ? upstream[0] : new FixedSequenceGroup(upstream);
    }

    /**
     * Builds {@code handler}'s processor behind the stages whose sequences the Disruptor passes in, waiting
     * with {@code waitStrategy} (the ring's own, so that publishers wake it); what {@code handler}
     * throws goes to {@code exceptions}, as the Disruptor's default handler would take it.
     */
    static <T> EventProcessorFactory<T> stage(WaitStrategy waitStrategy, EventHandler<? super T> handler,
                                              ExceptionHandler<? super T> exceptions) {
        return (ring, upstream) -> {
            BatchEventProcessor<T> processor = new BatchEventProcessorBuilder()
                    .build(ring, new DependentStageBarrier(waitStrategy, ring, upstream), handler);
            processor.setExceptionHandler(exceptions);
            return processor;
        };
    }

    @Override
    public long waitFor(long sequence) throws AlertException, InterruptedException, TimeoutException {
        checkAlert();
        return waitStrategy.waitFor(sequence, cursor, dependents, this);
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
        waitStrategy.signalAllWhenBlocking();
    }

    @Override
    public void clearAlert() {
        alerted = false;
    }

    @Override
    public void checkAlert() throws AlertException {
        if (alerted) {
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
