package dev.purestock.engine;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes a shard's parked downstream stages when a stage before them finishes a batch: what lets a stage behind
 * the decision stage block instead of spinning (see {@link DependentStageBarrier#blocking}).
 *
 * <p>The Disruptor's blocking strategy parks only the first stage, which producers wake as they publish; a
 * stage after it spins on the stages before it, a core per stage thread while the ring has work. On a machine
 * with fewer cores than the engine has threads that spinning takes the cores the stages need, and the tails
 * become the scheduler's time slices. Here each stage before another sets its sequence itself at the end of a
 * batch ({@link EventHandler#setSequenceCallback}) and then unparks every waiter behind it that said it was about to
 * park.
 * A waiter says so, then reads the sequences once more before it parks, so a batch that ends between the two is
 * never missed: either the waiter sees it, or the signal sees the waiter.
 *
 * <p>A slot the stage threw on ends its batch too: the Disruptor hands the throw to the stage's exception handler,
 * which records the failure at that slot (the shard stops there), and then sets the stage's sequence at the slot
 * itself, after the handler returns. The waiters are signalled once the handler has returned
 * ({@link PassingStage#exceptions}), with the sequence set at the failed slot first, so that they see the stop at
 * once instead of after their safety-net park; never before the failure is recorded, or a stage after this one could
 * pass the slot as if it had not failed.
 */
final class StageSignal {
    private final List<DependentStageBarrier> waiters = new ArrayList<>();
    private DependentStageBarrier[] parked = new DependentStageBarrier[0];
    /** The stages that signal through this, as they were wired. */
    private final List<PassingStage<?>> stages = new ArrayList<>();

    /** Registers a barrier whose thread this signal wakes; only while the shard is wired, before it starts. */
    synchronized void register(DependentStageBarrier barrier) {
        waiters.add(barrier);
        parked = waiters.toArray(DependentStageBarrier[]::new);
    }

    /**
     * The stage whose sequence is {@code stage} has moved it: wakes each waiter that waits on that stage and is parked
     * or about to park. A waiter behind other stages only would look at sequences that did not move and park again: a
     * wake-up for nothing, which on a small machine takes a core from a stage with work. ({@code null}, a stage whose
     * sequence is not known yet: every waiter.)
     *
     * @return how many threads it unparked
     */
    int progress(Sequence stage) {
        int woken = 0;
        for (DependentStageBarrier waiter : parked) {
            Thread thread = waiter.parkedThread();
            if (thread != null && (stage == null || waiter.waitsOn(stage))) {
                LockSupport.unpark(thread);
                woken++;
            }
        }
        return woken;
    }

    /** {@code stage}, which also publishes its progress at the end of each batch and then signals. */
    synchronized <T> EventHandler<T> signalling(EventHandler<T> stage) {
        PassingStage<T> signalling = new PassingStage<>(stage, (sequence, ringSequence) -> progress(sequence));
        stages.add(signalling);
        return signalling;
    }

    /**
     * Whether {@code sequence} is the very sequence that one of the stages signalling through this moves
     * ({@link EventHandler#setSequenceCallback}): the progress a waiter behind it is woken for. Read while the shard
     * is wired.
     */
    synchronized boolean signals(Sequence sequence) {
        for (PassingStage<?> stage : stages) {
            if (stage.sequence() == sequence) {
                return true;
            }
        }
        return false;
    }
}
