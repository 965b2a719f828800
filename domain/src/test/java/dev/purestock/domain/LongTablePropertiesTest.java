package dev.purestock.domain;

import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * {@link LongTable} reads as a map of its puts since its last clear, whatever the keys (0, negative, the extremes
 * of {@code long}, keys that share a home) and however often it grew past the room a clear keeps and was cleared.
 */
class LongTablePropertiesTest {
    private static final long[] EDGES = {0, -1, 1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MIN_VALUE + 1,
        Long.MAX_VALUE - 1, 1L << 32, -(1L << 32), 1L << 16};

    @Test
    void readsAsAMapOfItsPutsSinceItsLastClear() {
        // each operation: a put (key, value), or a clear (key -1), or a burst of puts past the retained room (key -2)
        Gen<long[]> operation = integers().between(0, 99).zip(keys(), longs().all(), (kind, key, value) ->
                new long[] {kind < 2 ? -1 : kind < 3 ? -2 : 0, key, value});
        qt().withExamples(500).forAll(lists().of(operation).ofSizeBetween(1, 400)).checkAssert(operations -> {
            LongTable table = new LongTable();
            Map<Long, Long> expected = new HashMap<>();
            for (long[] op : operations) {
                if (op[0] == -1) {
                    table.clear();
                    expected.clear();
                } else if (op[0] == -2) {
                    for (long i = 0; i < LongTable.RETAINED_SLOTS; i++) {
                        long key = op[1] + i * 0x10000;
                        table.put(key, i);
                        expected.put(key, i);
                    }
                } else {
                    table.put(op[1], op[2]);
                    expected.put(op[1], op[2]);
                }
                assertEquals(expected.size(), table.size());
            }
            for (Map.Entry<Long, Long> entry : expected.entrySet()) {
                int slot = table.find(entry.getKey());
                assertEquals(entry.getValue(), slot < 0 ? null : table.valueAt(slot), () -> "key " + entry.getKey());
            }
            for (long[] op : operations) {
                for (long key : List.of(op[1], op[1] + 1, op[1] - 1)) {
                    if (!expected.containsKey(key)) {
                        assertEquals(-1, table.find(key), () -> "key " + key + " was not put since the last clear");
                    }
                }
            }
        });
    }

    /** Edge keys, small keys that crowd few homes, and any key. */
    private static Gen<Long> keys() {
        return integers().between(0, 9).zip(integers().between(0, EDGES.length - 1), longs().between(-64, 64),
                longs().all(), (pick, edge, small, any) -> pick < 3 ? EDGES[edge] : pick < 7 ? small : any);
    }
}
