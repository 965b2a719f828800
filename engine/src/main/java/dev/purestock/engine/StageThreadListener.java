package dev.purestock.engine;

/**
 * Told when each of the engine's threads starts ({@link PurestockEngine.Builder#onStageThreadStart}), on that
 * thread, after it is named ({@link StageRole#threadName}) and before it runs its stage: the place to pin it to a
 * core, raise its priority or register it with a profiler. Called once per thread, for every stage thread of
 * every shard and for the expiry timer's thread, while {@link PurestockEngine.Builder#build()} waits for them
 * all; threads of different stages start at once, so the listener must be safe to call from several threads. The
 * reactions' thread ({@code purestock-reactions}) is not a stage thread, and is not reported.
 *
 * <p>If it throws, {@code build()} closes the engine it was starting (nothing was submitted to it) and throws an
 * {@link IllegalStateException} naming the thread, with the listener's exception as its cause (and the close's, if
 * it threw too, suppressed in it). A listener that
 * never returns keeps {@code build()} waiting.
 */
@FunctionalInterface
public interface StageThreadListener {
    /** The shard a thread serving every shard (the expiry timer's) is reported with. */
    int ALL_SHARDS = -1;

    /**
     * A stage thread started; called on it.
     *
     * @param shard the shard it serves, or {@link #ALL_SHARDS}
     * @param role  what it does
     */
    void onStageThreadStart(int shard, StageRole role);
}
