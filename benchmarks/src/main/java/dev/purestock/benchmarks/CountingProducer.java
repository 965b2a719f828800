package dev.purestock.benchmarks;

import dev.purestock.domain.Event;
import dev.purestock.engine.OutcomeCallback;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

import java.util.List;

/**
 * A benchmark producer thread's reusable callback: it counts rejections and keeps the first failure, and
 * at the end of the trial refuses a run that measured refused purchases instead of accepted ones.
 */
public abstract class CountingProducer implements OutcomeCallback {
    private long rejected;
    private Throwable failure;

    @Override
    public void onOutcome(int shard, long sequence, long time, List<Event> events) {
        if (events.getFirst() instanceof Event.Rejection) {
            rejected++;
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        failure = cause;
    }

    /** A benchmark that measured failures or rejections would measure the wrong thing: refuse it. */
    @TearDown(Level.Trial)
    public void check() {
        if (failure != null || rejected != 0) {
            throw new IllegalStateException("the engine refused purchases (" + rejected + " rejected)", failure);
        }
    }
}
