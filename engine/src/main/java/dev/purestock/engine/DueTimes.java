package dev.purestock.engine;

import dev.purestock.domain.NextDue;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each shard's time command next has something due to do (a reservation to expire, a held command to
 * decide, orders to forget), on the engine's clock: what lets the timer send a time command exactly then instead
 * of polling. Each shard's decision thread keeps its shard's entry: it lowers it when a command schedules something
 * earlier ({@link NextDue#scheduledBy}) or changes orders that make forgetting due sooner
 * ({@link ForgettingDue#changed}), and sets it from the whole state after each time command ({@link NextDue#of},
 * {@link ForgettingDue#recomputed}); an entry may be early (something due was cancelled or confirmed, an order
 * changed again), never late, and an early one costs one time command with less or nothing to do. What is due by
 * the shard's last command's time it reports as {@link #DUE_NOW}: the shard stamps commands no earlier than that, so
 * a time command sent at once does it even while the clock is behind. The timer reads the entries, and is woken
 * when one comes down; a full time command's answer reads its shard's, to start a backlog only when more is due at
 * once ({@link ExpiryTimer.Answer}). It also holds what forgetting's due times are computed with: the
 * retention window the timer's time commands carry and the spacing of those that forget fewer than a full
 * command's worth ({@link #forgetting}). With no timer to read them ({@code expireReservationsEvery(Duration.ZERO)})
 * the entries are not kept ({@link #unkept}): the decision stages compute no due time, and every entry stays
 * {@link NextDue#NEVER}.
 */
final class DueTimes {
    /**
     * Longs from one shard's entry to the next, and before the first and after the last: 128 bytes, so that no two
     * shards' entries share a cache line or its prefetched pair. Each decision thread reads its entry on every
     * command that schedules something and writes it after each time command, so entries packed side by side would
     * take the line from one another's threads.
     */
    static final int STRIDE = 16;
    /**
     * An entry that is due at once whatever the clock reads: what the shard's decision thread reports for what is due
     * by its own last command's time, which a time command sent now does even while the clock is behind that time.
     */
    static final long DUE_NOW = Long.MIN_VALUE;
    /** Each shard's entry, {@link #STRIDE} longs apart ({@link #index}). */
    private final AtomicLongArray dueAt;
    private final int shards;
    private final long retainOrdersFor;
    private final long forgettingSpacing;
    /** Whether the decision stages keep the entries: something reads them. */
    private final boolean kept;
    /** Wakes the timer; set before the shards start. */
    private volatile Runnable wake = () -> {
    };

    /**
     * No entry due yet for {@code shards} shards whose time commands carry the window {@code retainOrdersFor}, and
     * forget fewer than a full command's worth at most one per {@code forgettingSpacing} (see {@link ForgettingDue}).
     */
    DueTimes(int shards, long retainOrdersFor, long forgettingSpacing) {
        this(shards, retainOrdersFor, forgettingSpacing, true);
    }

    private DueTimes(int shards, long retainOrdersFor, long forgettingSpacing, boolean kept) {
        this.kept = kept;
        this.shards = shards;
        this.retainOrdersFor = retainOrdersFor;
        this.forgettingSpacing = forgettingSpacing;
        dueAt = new AtomicLongArray((shards + 2) * STRIDE);
        for (int shard = 0; shard < shards; shard++) {
            dueAt.set(index(shard), NextDue.NEVER);
        }
    }

    /**
     * Entries for {@code shards} shards that nothing reads (the timer is off): the decision stages keep none, so a
     * command pays nothing for due times (a time command would otherwise visit up to a full command's worth of
     * orders for a due time, and other commands count the orders they change), and every entry stays
     * {@link NextDue#NEVER}. What a time command submitted by the caller does is the same.
     */
    static DueTimes unkept(int shards) {
        return new DueTimes(shards, Long.MAX_VALUE, 0, false);
    }

    /** Whether the decision stages keep the entries: {@code false} for {@link #unkept} ones. */
    boolean kept() {
        return kept;
    }

    /** Where shard {@code shard}'s entry is: {@link #STRIDE} longs after the previous one's, or the array's start. */
    static int index(int shard) {
        return (shard + 1) * STRIDE;
    }

    /** How many longs the entries take, with the room before the first and more than a stride after the last. */
    int length() {
        return dueAt.length();
    }

    /**
     * The time shard {@code shard} next has something due, {@link #DUE_NOW} when that is by its last command's time,
     * or {@link NextDue#NEVER}.
     */
    long dueAt(int shard) {
        return dueAt.get(index(shard));
    }

    /** How many shards there are. */
    int shards() {
        return shards;
    }

    /** What one shard's decision thread computes forgetting's due times with. */
    ForgettingDue forgetting() {
        return new ForgettingDue(retainOrdersFor, forgettingSpacing);
    }

    /** Called when an entry comes down; replaces the previous one. */
    void onEarlier(Runnable timerWake) {
        this.wake = timerWake;
    }

    /** A command of {@code shard} scheduled something for {@code at}: its decision thread only. */
    void scheduled(int shard, long at) {
        int index = index(shard);
        if (at < dueAt.get(index)) {
            dueAt.set(index, at);
            wake.run();
        }
    }

    /** The whole state of {@code shard} next has something due at {@code at}: its decision thread only. */
    void recomputed(int shard, long at) {
        long before = dueAt.getAndSet(index(shard), at);
        if (at < before) {
            wake.run();
        }
    }
}
