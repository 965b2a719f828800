package dev.purestock.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The key of the reference that the tests of the engine's due queues compare with: a {@link TreeMap} ordered by
 * time and then id, as the domain's store orders its due reservations and held commands.
 */
record DueKey(long time, long id) implements Comparable<DueKey> {
    @Override
    public int compareTo(DueKey other) {
        int byTime = Long.compare(time, other.time);
        return byTime != 0 ? byTime : Long.compare(id, other.id);
    }

    /**
     * The values a visit at {@code now} sees in {@code byDue}, with a visitor that stops after {@code stopAfter}
     * (which sees one at least).
     */
    static <V> List<V> expectedVisit(TreeMap<DueKey, V> byDue, long now, int stopAfter) {
        List<V> due = new ArrayList<>();
        for (Map.Entry<DueKey, V> entry : byDue.entrySet()) {
            if (entry.getKey().time() > now || due.size() == Math.max(stopAfter, 1)) {
                break;
            }
            due.add(entry.getValue());
        }
        return due;
    }
}
