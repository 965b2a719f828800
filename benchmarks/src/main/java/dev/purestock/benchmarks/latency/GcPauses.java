package dev.purestock.benchmarks.latency;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The collector's pauses during a run, read in-process from JFR's {@code jdk.GCPhasePause} events (one
 * event per stop-the-world pause, with nanosecond duration, whatever the collector), so that each step of a
 * harness can say how many pauses fell in its window and how long the longest was. Only that event type is
 * recorded, with no threshold.
 *
 * <p>Events arrive on JFR's own thread about once a second; {@link #stop()} waits for the last ones, and
 * {@link #between} is read after it. When the runtime has no JFR (a trimmed runtime without the
 * {@code jdk.jfr} module), {@link #start()} returns a recorder that knows nothing and says so.
 */
public final class GcPauses implements AutoCloseable {
    private static final String PAUSE_EVENT = "jdk.GCPhasePause";

    private final RecordingStream stream;
    private final List<Pause> pauses = new ArrayList<>();

    private GcPauses(RecordingStream stream) {
        this.stream = stream;
    }

    /** One stop-the-world pause: when it started and how long it took. */
    public record Pause(Instant start, Duration duration, String name) {
    }

    /** The pauses of one window: their count, the longest and their sum, in milliseconds. */
    public record Summary(boolean known, int count, double longestMillis, double totalMillis) {
        /** No recorder: nothing is known about the window. */
        public static final Summary UNKNOWN = new Summary(false, 0, 0, 0);

        /** {@code count}, {@code longest ms}, {@code total ms} as tab-separated fields (empty when unknown). */
        public String tsv() {
            return known ? String.format(Locale.ROOT, "%d\t%.3f\t%.3f", count, longestMillis, totalMillis) : "\t\t";
        }

        /** A short human form, e.g. {@code 3 pauses, longest 1.204 ms}. */
        public String text() {
            return known ? String.format(Locale.ROOT, "%d GC pauses, longest %.3f ms, %.3f ms in all", count,
                    longestMillis, totalMillis) : "GC pauses unknown (no JFR in this runtime)";
        }
    }

    /** Starts recording pauses, or returns a recorder that knows none when this runtime has no JFR. */
    public static GcPauses start() {
        if (ModuleLayer.boot().findModule("jdk.jfr").isEmpty() || !jdk.jfr.FlightRecorder.isAvailable()) {
            return new GcPauses(null);
        }
        RecordingStream stream = new RecordingStream();
        GcPauses recorder = new GcPauses(stream);
        stream.enable(PAUSE_EVENT).withoutThreshold();
        stream.onEvent(PAUSE_EVENT, recorder::onPause);
        stream.startAsync();
        return recorder;
    }

    private void onPause(RecordedEvent event) {
        Pause pause = new Pause(event.getStartTime(), event.getDuration(), event.getString("name"));
        synchronized (pauses) {
            pauses.add(pause);
        }
    }

    /** Stops recording and waits until every recorded pause has been delivered. */
    public void stop() {
        if (stream != null) {
            stream.stop();
        }
    }

    /** The pauses that started in {@code [from, to)}. */
    public Summary between(Instant from, Instant to) {
        if (stream == null) {
            return Summary.UNKNOWN;
        }
        int count = 0;
        long longest = 0;
        long total = 0;
        synchronized (pauses) {
            for (Pause pause : pauses) {
                if (!pause.start().isBefore(from) && pause.start().isBefore(to)) {
                    count++;
                    long nanos = pause.duration().toNanos();
                    longest = Math.max(longest, nanos);
                    total += nanos;
                }
            }
        }
        return new Summary(true, count, longest / 1e6, total / 1e6);
    }

    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        }
    }
}
