package dev.purestock.journal;

/**
 * A journal directory opened with another number of shards than it holds: resharding is not supported, so the
 * engine (or a tool) must be started with {@link #directoryShards()} shards, or given a new directory. Carries both
 * counts, so that whoever set the count (a property, a flag) can name its own setting.
 */
public final class ShardCountMismatchException extends JournalException {
    private static final long serialVersionUID = 1L;

    private final int directoryShards;
    private final int requestedShards;

    /**
     * A mismatch described by {@code message}.
     *
     * @param directoryShards the shards the directory holds ({@code 1}: a one-shard journal)
     * @param requestedShards the shards it was opened with
     */
    public ShardCountMismatchException(String message, int directoryShards, int requestedShards) {
        super(message);
        this.directoryShards = directoryShards;
        this.requestedShards = requestedShards;
    }

    /** The shards the directory holds ({@code 1}: a one-shard journal): what to start it with. */
    public int directoryShards() {
        return directoryShards;
    }

    /** The shards it was opened with. */
    public int requestedShards() {
        return requestedShards;
    }
}
