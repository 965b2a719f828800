package dev.purestock.engine;

/** What {@link PurestockEngine#trySubmit} did with a command. Only {@link #SUBMITTED} leads to an answer. */
public enum SubmitResult {
    /** The command is on its way; the callback will be called exactly once. */
    SUBMITTED,
    /** The shard's ring had no free slot; nothing was queued and the callback will not be called. */
    RING_FULL,
    /** The engine is closed; nothing was queued and the callback will not be called. */
    CLOSED,
    /**
     * The engine stopped on a failure ({@link PurestockEngine#failure()}); nothing was queued and the
     * callback will not be called.
     */
    STOPPED
}
