package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One {@link DecisionScratch} handed to every decision, as a shard's decision stage does, decides exactly as a fresh
 * one each time: time commands that forget orders, expire reservations and release held commands, with the lists of
 * an earlier, fuller time command left in its room, give the same events as without a scratch.
 */
class DecisionScratchTest {
    @Test
    void aReusedScratchDecidesTimeCommandsAsNoScratchDoes() {
        List<Command> commands = new ArrayList<>();
        commands.add(new Command.ListProduct(1, 0));
        commands.add(new Command.ReceiveStock(1, 1, 0, 10_000));
        long time = 0;
        for (int round = 0; round < 30; round++) {
            for (int i = 0; i < 40; i++) {
                long id = round * 100L + i + 1;
                commands.add(switch (i % 4) {
                    case 0 -> new Command.Purchase(id, id, 1, 0, 1);
                    case 1 -> new Command.Reserve(id, id, List.of(new Line(1, 0, 1)), time + 20 + i);
                    case 2 -> new Command.Hold(id, time + 10 + i, new Command.Purchase(id, id, 1, 0, 1));
                    default -> new Command.ExpireReservations(25);
                });
                time += 3;
            }
        }
        MapInventoryStore withScratch = new MapInventoryStore();
        MapInventoryStore without = new MapInventoryStore();
        DecisionScratch scratch = new DecisionScratch();
        EventBuffer reused = new EventBuffer();
        EventBuffer fresh = new EventBuffer();
        long now = 0;
        int forgotten = 0;
        int expired = 0;
        int released = 0;
        for (Command command : commands) {
            now += 3;
            reused.clear();
            fresh.clear();
            Inventory.decide(command, now, withScratch, reused, scratch);
            Inventory.decide(command, now, without, fresh);
            List<Event> events = fresh.toEvents();
            assertEquals(events, reused.toEvents(), command + " at " + now);
            for (Event event : events) {
                forgotten += event instanceof Event.OrderForgotten ? 1 : 0;
                expired += event instanceof Event.ReservationExpired ? 1 : 0;
                released += event instanceof Event.HoldReleased ? 1 : 0;
            }
            Inventory.evolveAll(withScratch, now, reused);
            Inventory.evolveAll(without, now, fresh);
        }
        assertTrue(forgotten > 0 && expired > 0 && released > 0,
                forgotten + " forgotten, " + expired + " expired, " + released + " released: the time commands did each");
    }
}
