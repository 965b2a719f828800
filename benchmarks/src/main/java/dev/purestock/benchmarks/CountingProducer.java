package dev.purestock.benchmarks;

import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A benchmark producer thread's reusable callback on the engine's garbage-free answer path (it reads the
 * {@link OutcomeView} and builds no event record): it counts rejections and keeps the first failure, and at
 * the end of the trial refuses a run that measured refused purchases instead of accepted ones.
 */
public abstract class CountingProducer implements OutcomeViewCallback {
    private long rejected;
    private Throwable failure;

    @Override
    public void onOutcome(OutcomeView outcome) {
        if (!outcome.accepted()) {
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
