package dev.purestock.engine;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;

/** How the engine's stage threads wait for work: the trade between latency and CPU use. */
public enum WaitStrategyKind {
    /**
     * Every stage parks when it has nothing to do: the decision stage until a producer publishes, each later stage
     * until a stage before it signals the end of a batch. A stage spins briefly first, then says it parks, looks
     * once more and parks; whoever moves the work on unparks only a stage that said so, so a producer whose
     * decision stage is busy pays one read, not a lock and a wake-up (the Disruptor's own blocking strategy signals
     * on every publish, and spins the later stages). Uses little CPU when idle and never spins for long: the
     * default, and the right choice for a machine shared with other processes or with fewer cores than the engine
     * has threads; each stage that was parked costs a wake-up (tens of microseconds) when work arrives.
     */
    BLOCKING,
    /**
     * Spins briefly, yields, then sleeps in short parks, in every stage (downstream stages too). Uses
     * little CPU when idle, and nobody wakes a stage: each finds its work at its next look, so a producer never
     * pays for a wake-up, which suits a machine with fewer cores than stage threads; costs up to a park's
     * latency (tens of microseconds on Linux) when work arrives after a pause.
     */
    SLEEPING,
    /** Spins, then yields the core: low latency when the machine has a core per stage thread to spare. */
    YIELDING,
    /** Spins without pause: the lowest latency, one fully used core per stage thread. Dedicated cores only. */
    BUSY_SPIN;

    /**
     * A new Disruptor wait strategy of this kind, for an engine ring that {@code producers} publish to (not public:
     * the Disruptor is the engine's implementation, not its API). For {@link #BLOCKING} it is a
     * {@link ParkingWaitStrategy}, which parks a ring's first stage; the engine parks its later stages itself.
     */
    WaitStrategy create(ProducerMode producers) {
        return switch (this) {
            case BLOCKING -> new ParkingWaitStrategy(producers == ProducerMode.SINGLE);
            case SLEEPING -> new SleepingWaitStrategy();
            case YIELDING -> new YieldingWaitStrategy();
            case BUSY_SPIN -> new BusySpinWaitStrategy();
        };
    }
}
