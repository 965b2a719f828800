package dev.purestock.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A distribution one stage thread records into and any thread reads: an HdrHistogram
 * {@link SingleWriterRecorder} on the writer's side (wait-free, no allocation once built) and, on the readers'
 * side, the histogram of everything recorded since the engine started, into which each read folds what was
 * recorded since the previous read. Values beyond {@code highest} are recorded as {@code highest}, values below
 * one as one; two significant digits (a value is kept to within 1%).
 */
final class ValueRecorder {
    private static final int SIGNIFICANT_DIGITS = 2;

    private final long highest;
    private final SingleWriterRecorder recorder;
    private final Histogram sinceStart;
    private Histogram interval;

    ValueRecorder(long highest) {
        this.highest = highest;
        this.recorder = new SingleWriterRecorder(1, highest, SIGNIFICANT_DIGITS);
        this.sinceStart = new Histogram(1, highest, SIGNIFICANT_DIGITS);
    }

    /** Records one value; only from the owning thread. */
    void record(long value) {
        recorder.recordValue(Math.max(1, Math.min(value, highest)));
    }

    /** Everything recorded so far, as an immutable summary. */
    synchronized Percentiles read() {
        interval = recorder.getIntervalHistogram(interval);
        sinceStart.add(interval);
        Histogram all = sinceStart;
        long count = all.getTotalCount();
        if (count == 0) {
            return Percentiles.EMPTY;
        }
        return new Percentiles(count, Math.round(all.getMean() * count), all.getMinValue(),
                all.getValueAtPercentile(50), all.getValueAtPercentile(90), all.getValueAtPercentile(99),
                all.getValueAtPercentile(99.9), all.getMaxValue());
    }
}
