package dev.purestock.engine;

/**
 * A stage with work of its own beside the ring's, which it does only when the ring has nothing for it: its
 * barrier ({@link DependentStageBarrier}) then hands the stage's thread back to it through
 * {@link com.lmax.disruptor.EventHandler#onTimeout} instead of waiting, a turn at a time, until it has none left.
 * Work that becomes possible while the stage waits (another thread finished what it was waiting for) must wake
 * the stage's thread ({@link java.util.concurrent.locks.LockSupport#unpark}) if it may be parked.
 */
interface IdleWork {
    /** Whether the stage has work of its own that it can do now; read on the stage's own thread only. */
    boolean pending();
}
