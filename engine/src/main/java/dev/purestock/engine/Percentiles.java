package dev.purestock.engine;

/**
 * A distribution read from the engine's metrics at one moment: how many values were recorded since the engine
 * started and where they lie. The unit is the metric's (nanoseconds for a latency, slots for a batch size).
 * A latency is kept to within 1%, a batch size to within 0.1% (exactly below 2048); a percentile is the highest
 * value its bucket holds, and {@code sum} is derived from the distribution, so it is as exact. All zero when
 * nothing was recorded.
 *
 * @param count how many values were recorded
 * @param sum   the values added up (to within 1%); the difference of two reads over the difference of their
 *              counts is the mean between them
 * @param min   the smallest value
 * @param p50   the median
 * @param p90   the value 90% of the values are at or below
 * @param p99   the value 99% of the values are at or below
 * @param p999  the value 99.9% of the values are at or below
 * @param max   the largest value
 */
public record Percentiles(long count, long sum, long min, long p50, long p90, long p99, long p999, long max) {
    /** Nothing recorded yet. */
    public static final Percentiles EMPTY = new Percentiles(0, 0, 0, 0, 0, 0, 0, 0);

    /** The mean, or {@code 0} when nothing was recorded. */
    public double mean() {
        return count == 0 ? 0 : (double) sum / count;
    }
}
