package dev.purestock.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

/** How the engine's stage threads wait for work: the trade between latency and CPU use. */
public enum WaitStrategyKind {
    /**
     * Parks on a lock and condition until the ring has work; downstream stages briefly spin while an
     * upstream stage finishes a slot. Uses little CPU when idle: the default, and the right choice for a
     * machine shared with other processes.
     */
    BLOCKING,
    /**
     * Spins briefly, yields, then sleeps in short parks, in every stage (downstream stages too). Uses
     * little CPU when idle and, unlike {@link #BLOCKING}, never spins on an upstream stage, which suits
     * a machine with fewer cores than stage threads; costs up to a park's latency (tens of microseconds
     * on Linux) when work arrives after a pause.
     */
    SLEEPING,
    /** Spins, then yields the core: low latency when the machine has a core per stage thread to spare. */
    YIELDING,
    /** Spins without pause: the lowest latency, one fully used core per stage thread. Dedicated cores only. */
    BUSY_SPIN;

    /** A new Disruptor wait strategy of this kind (for rings that should wait like the engine's). */
    public WaitStrategy create() {
        return switch (this) {
            case BLOCKING -> new BlockingWaitStrategy();
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
