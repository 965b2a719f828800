package dev.purestock.replication;

import java.time.Duration;

/**
 * A {@link Duration} as a long of nanoseconds or milliseconds, {@link Long#MAX_VALUE} when it is longer than a long
 * holds: a timeout meant as "no limit" ({@code Duration.ofSeconds(Long.MAX_VALUE)}) is as good as that, where
 * {@code toNanos} and {@code toMillis} would throw.
 */
final class Durations {
    private Durations() {
    }

    static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException beyondLong) {
            return Long.MAX_VALUE;
        }
    }

    static long saturatedMillis(Duration duration) {
        try {
            return duration.toMillis();
        } catch (ArithmeticException beyondLong) {
            return Long.MAX_VALUE;
        }
    }
}
