package dev.purestock.engine;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
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
    /** Spins, then yields the core: low latency when the machine has a core per stage thread to spare. */
    YIELDING,
    /** Spins without pause: the lowest latency, one fully used core per stage thread. Dedicated cores only. */
    BUSY_SPIN;

    WaitStrategy create() {
        return switch (this) {
            case BLOCKING -> new BlockingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
