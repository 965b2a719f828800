package dev.purestock.domain;

import java.util.Arrays;

/**
 * Long values by long key in one open-addressed table with linear probing: what {@link PendingState} keeps its
 * positions, customer counts, movements and order rows in, with no boxed key or value and no node per entry.
 * Entries are added or replaced, never removed one by one; {@link #clear} empties the table and keeps its room, up
 * to {@link #RETAINED_SLOTS} slots. Nothing depends on where an entry lies: the table is only looked up, never
 * walked.
 */
final class LongTable {
    /** The most slots an emptied table keeps; a larger one, grown by an uncommonly large decision, is let go. */
    static final int RETAINED_SLOTS = 1 << 12;
    private static final int INITIAL_SLOTS = 16;

    private long[] keys;
    private long[] values;
    private boolean[] used;
    private int size;

    LongTable() {
        allocate(INITIAL_SLOTS);
    }

    /** How many keys the table holds. */
    int size() {
        return size;
    }

    /** The slot that holds {@code key}, or {@code -1} when the table does not hold it. */
    int find(long key) {
        int mask = keys.length - 1;
        for (int slot = home(key, mask); used[slot]; slot = (slot + 1) & mask) {
            if (keys[slot] == key) {
                return slot;
            }
        }
        return -1;
    }

    /** The value in {@code slot}, one that {@link #find} answered. */
    long valueAt(int slot) {
        return values[slot];
    }

    /** Sets the value of {@code key}, adding the key if the table does not hold it. */
    void put(long key, long value) {
        int mask = keys.length - 1;
        int slot = home(key, mask);
        while (used[slot]) {
            if (keys[slot] == key) {
                values[slot] = value;
                return;
            }
            slot = (slot + 1) & mask;
        }
        used[slot] = true;
        keys[slot] = key;
        values[slot] = value;
        if (++size * 2 > keys.length) {
            grow();
        }
    }

    /** Empties the table, keeping its room unless it grew past {@link #RETAINED_SLOTS}. */
    void clear() {
        if (size == 0) {
            return;
        }
        if (keys.length > RETAINED_SLOTS) {
            allocate(INITIAL_SLOTS);
        } else {
            Arrays.fill(used, false);
        }
        size = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        boolean[] oldUsed = used;
        allocate(oldKeys.length * 2);
        size = 0;
        for (int slot = 0; slot < oldKeys.length; slot++) {
            if (oldUsed[slot]) {
                put(oldKeys[slot], oldValues[slot]);
            }
        }
    }

    private void allocate(int slots) {
        keys = new long[slots];
        values = new long[slots];
        used = new boolean[slots];
    }

    private static int home(long key, int mask) {
        long hash = key * 0x9E3779B97F4A7C15L;
        return (int) (hash ^ (hash >>> 32)) & mask;
    }
}
