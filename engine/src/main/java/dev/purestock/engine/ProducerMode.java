package dev.purestock.engine;

/**
 * How many threads may publish to the engine's rings at once ({@link PurestockEngine.Builder#producerMode}).
 * Publishing means every call that puts something on a ring: the submit methods, {@code submitAll},
 * {@link PurestockEngine#snapshot}, {@link PurestockEngine#digest}, {@link PurestockEngine#close()}, and the
 * reservation expiry timer, which publishes from a thread of its own.
 */
public enum ProducerMode {
    /**
     * Exactly one thread publishes, ever (or one at a time, with a happens-before edge at each handover, such as
     * a lock or a queue between them). Claiming a slot is then a plain counter instead of an atomic one, which is
     * faster; two threads publishing at once would corrupt the ring silently (lost or doubled commands), so
     * this is safe only when the embedding code guarantees it. The expiry timer is a second publisher, so
     * {@code SINGLE} needs it turned off ({@code expireReservationsEvery(Duration.ZERO)}, and the producing
     * thread submits {@code ExpireReservations} itself); {@link PurestockEngine.Builder#build()} refuses the two
     * together. Callbacks and consumers must not submit either (they run on other threads).
     */
    SINGLE,
    /** Any number of threads may publish at once (the default): always safe. */
    MULTI
}
