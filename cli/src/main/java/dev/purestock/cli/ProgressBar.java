package dev.purestock.cli;

import dev.purestock.journal.ReplayProgress;

import java.io.PrintWriter;

/** A one-line progress bar on standard error, redrawn when the percentage changes. */
final class ProgressBar implements ReplayProgress {
    private static final int WIDTH = 40;
    private final PrintWriter err;
    private final String label;
    private int shown = -1;

    ProgressBar(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
    }

    @Override
    public void onProgress(long done, long total) {
        if (total <= 0) {
            return;
        }
        int percent = (int) (done * 100 / total);
        if (percent == shown) {
            return;
        }
        shown = percent;
        int filled = percent * WIDTH / 100;
        err.print("\r" + label + " [" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + percent + "% "
                + done + "/" + total);
        if (done >= total) {
            err.println();
        }
        err.flush();
    }
}
