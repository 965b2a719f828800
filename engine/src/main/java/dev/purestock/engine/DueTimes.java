package dev.purestock.engine;

import dev.purestock.domain.NextDue;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each shard's time command next has something due to do (a reservation to expire, a held command to
 * decide), on the engine's clock: what lets the timer send a time command exactly then instead of polling.
 * Each shard's decision thread keeps its shard's entry: it lowers it when a command schedules something earlier
 * ({@link NextDue#scheduledBy}) and sets it from the whole state after each time command ({@link NextDue#of});
 * an entry may be early (something due was cancelled or confirmed), never late, and an early one costs one time
 * command with nothing to do. The timer reads the entries, and is woken when one comes down.
 */
final class DueTimes {
    private final AtomicLongArray dueAt;
    /** Wakes the timer; set before the shards start. */
    private volatile Runnable wake = () -> {
    };

    DueTimes(int shards) {
        dueAt = new AtomicLongArray(shards);
        for (int shard = 0; shard < shards; shard++) {
            dueAt.set(shard, NextDue.NEVER);
        }
    }

    /** The time shard {@code shard} next has something due, or {@link NextDue#NEVER}. */
    long dueAt(int shard) {
        return dueAt.get(shard);
    }

    /** How many shards there are. */
    int shards() {
        return dueAt.length();
    }

    /** Called when an entry comes down; replaces the previous one. */
    void onEarlier(Runnable timerWake) {
        this.wake = timerWake;
    }

    /** A command of {@code shard} scheduled something for {@code at}: its decision thread only. */
    void scheduled(int shard, long at) {
        if (at < dueAt.get(shard)) {
            dueAt.set(shard, at);
            wake.run();
        }
    }

    /** The whole state of {@code shard} next has something due at {@code at}: its decision thread only. */
    void recomputed(int shard, long at) {
        long before = dueAt.getAndSet(shard, at);
        if (at < before) {
            wake.run();
        }
    }
}
