package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.HeldCommand;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine store's held commands agree with a map ordered by time and then id, the way the domain's store keeps
 * them: through holds, replacements and removals that grow the queue past its first arrays and empty it again, a
 * lookup by id finds what the map holds, and a visit of the due commands sees the map's due commands in its order,
 * up to where the visitor stops.
 */
class HeldCommandQueueTest {
    private static final Command COMMAND = new Command.CancelHold(1);

    @Test
    void holdsReplacementsRemovalsAndVisitsAgreeWithAMapOrderedByTimeThenId() {
        HeldCommandQueue queue = new HeldCommandQueue();
        TreeMap<DueKey, HeldCommand> byDue = new TreeMap<>();
        TreeMap<Long, HeldCommand> byId = new TreeMap<>();
        SplittableRandom random = new SplittableRandom(11);
        int largest = 0;
        for (int step = 0; step < 200_000; step++) {
            // phases of growing and of shrinking, so the queue empties and fills again past its first arrays
            boolean growing = step / 20_000 % 2 == 0;
            int choice = random.nextInt(10);
            long holdId = 1 + random.nextInt(600);
            if (choice < (growing ? 6 : 3)) {
                // few distinct times: many commands fall due together and are ordered by id
                HeldCommand held = new HeldCommand(holdId, random.nextInt(50) - 10, COMMAND);
                HeldCommand replaced = byId.put(holdId, held);
                if (replaced != null) {
                    byDue.remove(new DueKey(replaced.at(), holdId));
                }
                byDue.put(new DueKey(held.at(), holdId), held);
                queue.put(held);
            } else if (choice < 9) {
                HeldCommand held = byId.remove(holdId);
                if (held == null) {
                    assertThrows(IllegalStateException.class, () -> queue.remove(holdId));
                } else {
                    byDue.remove(new DueKey(held.at(), holdId));
                    queue.remove(holdId);
                }
            } else {
                long now = random.nextInt(60) - 15;
                int stopAfter = random.nextInt(4) == 0 ? Integer.MAX_VALUE : random.nextInt(40);
                assertEquals(DueKey.expectedVisit(byDue, now, stopAfter), visit(queue, now, stopAfter),
                        "due at " + now + ", stopping after " + stopAfter + ", at step " + step);
            }
            assertEquals(byId.size(), queue.size());
            assertSame(byId.get(holdId), queue.get(holdId), "hold " + holdId);
            largest = Math.max(largest, queue.size());
        }
        assertTrue(largest > 300, "the queue grew to " + largest + " commands, past its first arrays");
        for (long holdId = 0; holdId <= 601; holdId++) {
            assertSame(byId.get(holdId), queue.get(holdId), "hold " + holdId);
        }
        List<HeldCommand> all = new ArrayList<>();
        queue.forEach(all::add);
        assertEquals(new ArrayList<>(byDue.values()), all, "every held command, by time and then id");
    }

    @Test
    void anEmptiedQueueHoldsNothingAndRemovingAnIdItDoesNotHoldIsRefusedNamingIt() {
        HeldCommandQueue queue = new HeldCommandQueue();
        assertEquals(List.of(), visit(queue, Long.MAX_VALUE, Integer.MAX_VALUE), "an empty queue has nothing due");
        HeldCommand first = new HeldCommand(7, Long.MIN_VALUE, COMMAND);
        HeldCommand last = new HeldCommand(8, Long.MAX_VALUE, COMMAND);
        queue.put(last);
        queue.put(first);
        assertEquals(List.of(first), visit(queue, Long.MIN_VALUE, Integer.MAX_VALUE), "due at the earliest time");
        assertEquals(List.of(first, last), visit(queue, Long.MAX_VALUE, Integer.MAX_VALUE));
        assertEquals(List.of(first), visit(queue, Long.MAX_VALUE, 1), "a visitor that stops sees no more");
        queue.remove(7);
        queue.remove(8);
        assertNull(queue.get(7));
        assertEquals(0, queue.size());
        IllegalStateException refused = assertThrows(IllegalStateException.class, () -> queue.remove(7));
        assertEquals("no command is held under hold id 7", refused.getMessage());
    }

    /** What a visit of {@code queue} at {@code now} sees, with a visitor that stops after {@code stopAfter}. */
    private static List<HeldCommand> visit(HeldCommandQueue queue, long now, int stopAfter) {
        List<HeldCommand> visited = new ArrayList<>();
        queue.forEachDue(now, held -> {
            visited.add(held);
            return visited.size() < stopAfter;
        });
        return visited;
    }
}
