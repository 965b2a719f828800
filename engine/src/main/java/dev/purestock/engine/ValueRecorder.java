package dev.purestock.engine;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * A distribution one stage thread records into and any thread reads: an HdrHistogram
 * {@link SingleWriterRecorder} on the writer's side (wait-free, no allocation once built) and, on the readers'
 * side, the histogram of everything recorded since the engine started, into which each read folds what was
 * recorded since the previous read. Values beyond {@code highest} are recorded as {@code highest}, values below
 * one as one. With two significant digits a value is kept to within 1%; with three, to within 0.1%, and every
 * value below 2048 exactly.
 */
final class ValueRecorder {
    private final long highest;
    private final SingleWriterRecorder recorder;
    private final Histogram sinceStart;
    private Histogram interval;

    ValueRecorder(long highest, int significantDigits) {
        this.highest = highest;
        this.recorder = new SingleWriterRecorder(1, highest, significantDigits);
        this.sinceStart = new Histogram(1, highest, significantDigits);
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
        return new Percentiles(count, Math.round(all.getMean() * count), all.getMinValue(), at(all, 50), at(all, 90),
                at(all, 99), at(all, 99.9), Math.min(all.getMaxValue(), highest));
    }

    /** The value at {@code percentile}: the top of its bucket, but never beyond what can have been recorded. */
    private long at(Histogram all, double percentile) {
        return Math.min(all.getValueAtPercentile(percentile), highest);
    }
}
