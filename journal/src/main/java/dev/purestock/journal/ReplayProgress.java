package dev.purestock.journal;

/** Hears how far a replay has come. */
@FunctionalInterface
public interface ReplayProgress {
    /** Reports nothing. */
    ReplayProgress NONE = (done, total) -> {
    };

    /**
     * Called every few thousand records and once at the end.
     *
     * @param done  records replayed so far
     * @param total records the replay will apply
     */
    void onProgress(long done, long total);
}
