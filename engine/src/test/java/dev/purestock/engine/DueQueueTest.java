package dev.purestock.engine;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The due queue under the engine store's reservations and held commands agrees with a map ordered by time and then
 * id, the way the domain's store keeps them: its visits come in that order (many ids at one time by id), up to
 * where the caller stops, through puts, replacements and removals of any entry, and across the sizes where its
 * columns and its visit's scratch heap grow.
 */
class DueQueueTest {
    @Test
    void putsReplacementsRemovalsAndVisitsAgreeWithAMapOrderedByTimeThenId() {
        DueQueue<Void> queue = new DueQueue<>();
        TreeMap<DueKey, Long> byDue = new TreeMap<>();
        TreeMap<Long, Long> timeById = new TreeMap<>();
        SplittableRandom random = new SplittableRandom(23);
        int largest = 0;
        for (int step = 0; step < 300_000; step++) {
            // phases of growing and of shrinking, so the queue empties and fills again past its first columns
            boolean growing = step / 25_000 % 2 == 0;
            int choice = random.nextInt(10);
            long id = random.nextInt(800);
            if (choice < (growing ? 6 : 3)) {
                // few distinct times: many entries fall due together and are ordered by id
                long time = random.nextInt(40) - 10;
                Long replaced = timeById.put(id, time);
                if (replaced != null) {
                    byDue.remove(new DueKey(replaced, id));
                }
                byDue.put(new DueKey(time, id), id);
                queue.put(id, time, null);
            } else if (choice < 9) {
                // an entry anywhere in the heap, by id or by its place
                Long time = timeById.remove(id);
                if (time != null) {
                    byDue.remove(new DueKey(time, id));
                }
                if (random.nextBoolean()) {
                    assertEquals(time != null, queue.remove(id), "removing " + id + " at step " + step);
                } else if (time != null) {
                    queue.removeAt(queue.place(id));
                }
            } else {
                long now = random.nextInt(50) - 15;
                int stopAfter = random.nextInt(4) == 0 ? Integer.MAX_VALUE : random.nextInt(40);
                assertEquals(DueKey.expectedVisit(byDue, now, stopAfter), visit(queue, now, stopAfter),
                        "due at " + now + ", stopping after " + stopAfter + ", at step " + step);
            }
            assertEquals(timeById.size(), queue.size());
            assertEntry(queue, timeById, id);
            largest = Math.max(largest, queue.size());
        }
        assertTrue(largest > 500, "the queue grew to " + largest + " entries, past its first columns");
        for (long id = -1; id <= 801; id++) {
            assertEntry(queue, timeById, id);
        }
        assertEquals(DueKey.expectedVisit(byDue, Long.MAX_VALUE, Integer.MAX_VALUE),
                visit(queue, Long.MAX_VALUE, Integer.MAX_VALUE), "every entry, by time and then id");
    }

    @Test
    void idsDueAtOneTimeAreVisitedByIdWhateverOrderTheyCameInAndWhicheverAreRemoved() {
        DueQueue<Void> queue = new DueQueue<>();
        List<Long> ids = new ArrayList<>();
        for (long id = 0; id < 3_000; id++) {
            ids.add(id * 7);
        }
        Collections.shuffle(ids, new Random(5));
        for (long id : ids) {
            queue.put(id, 100, null);
        }
        queue.put(-5, 101, null);
        queue.put(Long.MAX_VALUE, 99, null);
        List<Long> kept = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            if (i % 3 == 0) {
                queue.remove(ids.get(i));
            } else {
                kept.add(ids.get(i));
            }
        }
        Collections.sort(kept);
        kept.add(0, Long.MAX_VALUE);

        List<Long> due = new ArrayList<>();
        for (int place = queue.firstDue(100); place != DueQueue.NONE; place = queue.nextDue()) {
            due.add(queue.id(place));
            assertEquals(due.size() == 1 ? 99 : 100, queue.time(place));
        }
        assertEquals(kept, due, "the earlier time first, then the ids due at 100 by id; not the one due at 101");
        assertEquals(DueQueue.NONE, queue.nextDue(), "a finished visit stays finished");
    }

    @Test
    void theColumnsAndTheVisitGrowAtEachBoundaryKeepingTheOrder() {
        for (int size : new int[] {1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 1_023, 1_024, 1_025}) {
            DueQueue<String> queue = new DueQueue<>();
            TreeMap<DueKey, String> byDue = new TreeMap<>();
            // descending times: every put climbs the whole heap
            for (int i = 0; i < size; i++) {
                long time = size - i;
                long id = i % 3;
                queue.put(id + 10L * i, time, "v" + i);
                byDue.put(new DueKey(time, id + 10L * i), "v" + i);
            }
            assertEquals(size, queue.size());
            List<String> values = new ArrayList<>();
            for (int place = queue.firstDue(Long.MAX_VALUE); place != DueQueue.NONE; place = queue.nextDue()) {
                values.add(queue.value(place));
            }
            assertEquals(new ArrayList<>(byDue.values()), values, "a visit of all " + size + " with their values");
            // draining from the top takes them in the same order
            for (Map.Entry<DueKey, String> first : byDue.entrySet()) {
                int top = queue.firstDue(Long.MAX_VALUE);
                assertEquals(first.getKey().id(), queue.id(top), "draining " + size);
                assertEquals(first.getValue(), queue.value(top));
                queue.removeAt(top);
            }
            assertEquals(0, queue.size());
            assertEquals(DueQueue.NONE, queue.firstDue(Long.MAX_VALUE), "an emptied queue has nothing due");
        }
    }

    @Test
    void theExtremeTimesAreDueOnlyWhenTheyAreReached() {
        DueQueue<Void> queue = new DueQueue<>();
        assertEquals(DueQueue.NONE, queue.firstDue(Long.MAX_VALUE), "an empty queue has nothing due");
        assertEquals(DueQueue.NONE, queue.nextDue());
        queue.put(8, Long.MAX_VALUE, null);
        queue.put(7, Long.MIN_VALUE, null);
        assertEquals(List.of(7L), visit(queue, Long.MIN_VALUE, Integer.MAX_VALUE));
        assertEquals(List.of(7L), visit(queue, Long.MAX_VALUE - 1, Integer.MAX_VALUE));
        assertEquals(List.of(7L, 8L), visit(queue, Long.MAX_VALUE, Integer.MAX_VALUE));
        assertNull(queue.value(queue.place(8)), "a queue given no values keeps none");
        assertTrue(queue.remove(7));
        assertFalse(queue.remove(7), "an id no longer held is not removed twice");
        assertEquals(DueQueue.NONE, queue.place(7));
        assertEquals(List.of(), visit(queue, Long.MAX_VALUE - 1, Integer.MAX_VALUE));
    }

    /** Fails unless the queue holds {@code id} at the reference's time, or not at all where the reference lacks it. */
    private static void assertEntry(DueQueue<Void> queue, Map<Long, Long> timeById, long id) {
        Long time = timeById.get(id);
        int place = queue.place(id);
        if (time == null) {
            assertEquals(DueQueue.NONE, place, "id " + id + " is not held");
        } else {
            assertEquals(id, queue.id(place));
            assertEquals(time, queue.time(place), "the time of " + id);
        }
    }

    /** The ids a visit of {@code queue} at {@code now} sees, stopping after {@code stopAfter} (at least one). */
    private static List<Long> visit(DueQueue<?> queue, long now, int stopAfter) {
        List<Long> visited = new ArrayList<>();
        for (int place = queue.firstDue(now); place != DueQueue.NONE; place = queue.nextDue()) {
            visited.add(queue.id(place));
            if (visited.size() >= stopAfter) {
                break;
            }
        }
        return visited;
    }
}
