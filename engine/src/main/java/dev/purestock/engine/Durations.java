package dev.purestock.engine;

import java.time.Duration;

/**
 * A {@link Duration} as a long of nanoseconds or milliseconds, {@link Long#MAX_VALUE} when it is longer than a long
 * holds: a setting meant as "no limit" ({@code Duration.ofSeconds(Long.MAX_VALUE)}) is as good as that, where
 * {@code toNanos} and {@code toMillis} would throw. Public for the modules built on the engine (replication's
 * timeouts), which take the same settings.
 */
public final class Durations {
    private Durations() {
    }

    /**
     * {@code duration} in nanoseconds, or {@link Long#MAX_VALUE} beyond a long.
     *
     * @param duration a duration, not negative
     * @return its nanoseconds, saturated
     */
    public static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException beyondLong) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * {@code duration} in milliseconds, or {@link Long#MAX_VALUE} beyond a long.
     *
     * @param duration a duration, not negative
     * @return its milliseconds, saturated
     */
    public static long saturatedMillis(Duration duration) {
        try {
            return duration.toMillis();
        } catch (ArithmeticException beyondLong) {
            return Long.MAX_VALUE;
        }
    }
}
