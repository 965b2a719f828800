package dev.purestock.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where one shard's stages count what they do, read through {@link ShardMetrics}. Each group is written by one
 * stage thread only (the decision stage's by the decision thread, each durability stage's by its own thread, and
 * so on), with release stores and wait-free recorders: no lock, no contention between stages, nothing allocated
 * per command.
 */
final class ShardCounters {
    /** The longest latency a distribution tells apart: one hour, in nanoseconds; longer ones count as one hour. */
    static final long HIGHEST_NANOS = TimeUnit.HOURS.toNanos(1);
    /** Latencies are kept to within 1%: each latency distribution holds four histograms of about 37 KB. */
    static final int LATENCY_DIGITS = 2;
    /** Batch sizes are kept exactly up to 2047 slots, and to within 0.1% beyond. */
    static final int BATCH_DIGITS = 3;

    final Decision decision;
    final Completion completion = new Completion();
    final Snapshots snapshots = new Snapshots();

    ShardCounters(int ringSize) {
        this.decision = new Decision(ringSize);
    }

    /** The decision stage's counts: written by the decision thread only. */
    static final class Decision {
        /** Room for every rejection reason code (codes are small and stable; see {@code Reason#code}). */
        static final int REASON_CODES = 64;
        private static final VarHandle ELEMENT = MethodHandles.arrayElementVarHandle(long[].class);

        final ReleasedCounter sequenced = new ReleasedCounter();
        final ReleasedCounter accepted = new ReleasedCounter();
        private final long[] rejected = new long[REASON_CODES];
        /** How many slots each batch of the decision stage held. */
        final ValueRecorder batchSizes;

        Decision(int ringSize) {
            this.batchSizes = new ValueRecorder(ringSize, BATCH_DIGITS);
        }

        /** Counts one command rejected for the reason with {@code code}. */
        void rejected(int code) {
            ELEMENT.setRelease(rejected, code, rejected[code] + 1);
        }

        /**
         * The commands rejected so far for the reason with {@code code}; {@code 0} for a code outside the engine's
         * reasons (a service's own {@code RejectionReason}), which no command of the engine was rejected for.
         */
        long rejectedFor(int code) {
            return code >= 0 && code < REASON_CODES ? (long) ELEMENT.getAcquire(rejected, code) : 0;
        }
    }

    /** One durability stage's timings: written by that stage's thread only. */
    static final class Durability {
        /** Each command's hand-over to the stage, except the last of a batch (nanoseconds). */
        final ValueRecorder append = new ValueRecorder(HIGHEST_NANOS, LATENCY_DIGITS);
        /** The last call of each batch, which makes the whole batch durable (nanoseconds). */
        final ValueRecorder sync = new ValueRecorder(HIGHEST_NANOS, LATENCY_DIGITS);
    }

    /** The snapshot stage's counts: written by its writer thread, except failures, which its stage thread may count. */
    static final class Snapshots {
        final ReleasedCounter written = new ReleasedCounter();
        final AtomicLong failed = new AtomicLong();
        /** Periodic snapshots skipped for a later one, while two earlier ones still waited to be written. */
        final ReleasedCounter skipped = new ReleasedCounter();
        /** How long each snapshot written took the {@link SnapshotWriter} (nanoseconds). */
        final ValueRecorder duration = new ValueRecorder(HIGHEST_NANOS, LATENCY_DIGITS);
        /** What made the stage drop its copy; written by the stage thread before {@link #unavailableWhen}. */
        private Throwable unavailableCause;
        /**
         * When the stage dropped its copy of the state (a constant phrase of {@link SnapshotHandler}'s), after which
         * no snapshot is written until a restart; {@code null} while snapshots are available. Written once, by the
         * stage thread, as it drops the copy: nothing per command, and nothing allocated as it is set (the copy may
         * have been dropped for want of memory).
         */
        private volatile String unavailableWhen;

        /** The copy was dropped {@code when}, for {@code cause}: snapshots are unavailable until a restart. */
        void unavailable(String when, Throwable cause) {
            unavailableCause = cause;
            unavailableWhen = when;
        }

        /** When the copy was dropped, or {@code null} while snapshots are available. */
        String unavailableWhen() {
            return unavailableWhen;
        }

        /** What made the stage drop its copy; read after {@link #unavailableWhen()} returned a phrase. */
        Throwable unavailableCause() {
            return unavailableCause;
        }
    }

    /** The completion stage's counts: written by the completion thread only. */
    static final class Completion {
        /** Callbacks and consumers that threw, and were isolated. */
        final ReleasedCounter callbackFailures = new ReleasedCounter();
    }
}
