package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Limits;
import dev.purestock.domain.NextDue;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The pace of forgetting, on one shard driven here as the engine drives it: each millisecond some purchases, each
 * told to {@link ForgettingDue#changed}, and a time command whenever the due time has come (again at once while
 * more are due, as the timer's backlog does), each recomputing it. An order is forgotten at most the spacing after
 * its window ends; a time command that forgets fewer than a full command's worth comes at most once per spacing;
 * under a heavy intake each millisecond forgets what fell due in it, a full command's worth at a time.
 */
class ForgettingDueTest {
    private static final int FULL = Limits.MAX_FORGOTTEN_PER_COMMAND;

    /** A time command the simulated shard decided: when, and how many orders it forgot. */
    private record TimeCommand(long time, int forgotten) {
    }

    @Test
    void aTrickleOfOrdersGetsOneTimeCommandPerSpacingNotOnePerOrder() {
        // ten orders a second, a one-second window and spacing (the default period), for 20 seconds
        List<TimeCommand> commands = run(10, 1_000, 1_000, 20_000);
        assertTrue(commands.size() >= 17 && commands.size() <= 20, commands.size() + " time commands");
        for (int i = 1; i < commands.size(); i++) {
            assertTrue(commands.get(i).time() - commands.get(i - 1).time() >= 1_000, "at most one a second: "
                    + commands.get(i - 1) + ", " + commands.get(i));
        }
        assertTrue(commands.stream().skip(1).allMatch(command -> command.forgotten() >= 9), "about ten orders each");
    }

    @Test
    void aHeavyIntakeIsForgottenEachMillisecondAFullCommandsWorthAtATime() {
        // 500 orders a millisecond (500,000 a second), a 50 ms window, a one-second spacing, for 300 ms
        List<TimeCommand> commands = run(500_000, 50, 1_000, 300);
        long[] perMilli = new long[300];
        int[] commandsPerMilli = new int[300];
        for (TimeCommand command : commands) {
            perMilli[(int) command.time()] += command.forgotten();
            commandsPerMilli[(int) command.time()]++;
        }
        for (int milli = 0; milli < 300; milli++) {
            // the orders of millisecond m fall due at m + 51
            assertEquals(milli >= 51 ? 500 : 0, perMilli[milli], "forgotten at " + milli);
            assertTrue(commandsPerMilli[milli] <= 2, commandsPerMilli[milli] + " time commands at " + milli);
        }
    }

    @Test
    void aMediumIntakeIsForgottenAFullCommandsWorthAtATimeAsItFallsDue() {
        // 2,000 orders a second with a one-second spacing: a full command's worth falls due every 127.5 ms
        List<TimeCommand> commands = run(2_000, 100, 1_000, 3_000);
        assertEquals(new TimeCommand(101, 2), commands.get(0), "the orders of the first millisecond, at once");
        long full = 0;
        for (int i = 1; i < commands.size(); i++) {
            TimeCommand command = commands.get(i);
            if (command.forgotten() == FULL) {
                full++;
            } else {
                // the rest of the millisecond in which a full command's worth fell due
                assertEquals(new TimeCommand(commands.get(i - 1).time(), 1), command, "after " + commands.get(i - 1));
                assertEquals(FULL, commands.get(i - 1).forgotten());
            }
        }
        // the orders of milliseconds 0 to 2,898 fell due within the run: the first two, then full commands
        assertEquals((2 * (3_000 - 101) - 2) / FULL, full);
    }

    @Test
    void aWindowOfLongMaxValueIsNeverDue() {
        ForgettingDue forgetting = new ForgettingDue(Long.MAX_VALUE, 0);
        PrimitiveInventoryStore store = store(10);
        EventBuffer events = new EventBuffer();
        Inventory.decide(new Command.Purchase(1, 1, 1, 0, 1), 5, store, events);
        Inventory.evolveAll(store, 5, events);
        assertEquals(NextDue.NEVER, forgetting.changed(events, 5));
        assertEquals(NextDue.NEVER, forgetting.recomputed(store, 5));
        assertEquals(NextDue.NEVER, forgetting.recomputed(store, Long.MIN_VALUE));
        assertThrows(IllegalArgumentException.class, () -> new ForgettingDue(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new ForgettingDue(1, -1));
    }

    @Test
    void timesNearLongMaxValueAreNeverDueInsteadOfWrapping() {
        ForgettingDue forgetting = new ForgettingDue(10, Long.MAX_VALUE - 5);
        PrimitiveInventoryStore store = store(10);
        EventBuffer events = new EventBuffer();
        long time = Long.MAX_VALUE - 20;
        Inventory.decide(new Command.Purchase(1, 1, 1, 0, 1), time, store, events);
        Inventory.evolveAll(store, time, events);
        assertEquals(time + 11, forgetting.changed(events, time), "no time command yet: no spacing");
        assertEquals(NextDue.NEVER, forgetting.recomputed(store, 100), "spaced past what a long holds");
        assertEquals(time + 11, forgetting.recomputed(store, Long.MIN_VALUE));
    }

    /**
     * Drives one shard for {@code millis} milliseconds from time 0: {@code perSecond} one-unit purchases a second,
     * spread evenly, and the time commands as they fall due. Checks on the way that no order is left more than
     * {@code spacing} after its window ended, and that no time command forgets more than a full command's worth.
     */
    private static List<TimeCommand> run(long perSecond, long window, long spacing, int millis) {
        long orders = perSecond * millis / 1_000;
        PrimitiveInventoryStore store = store(orders);
        ForgettingDue forgetting = new ForgettingDue(window, spacing);
        NextDue oldest = new NextDue();
        EventBuffer events = new EventBuffer();
        Command.ExpireReservations tick = new Command.ExpireReservations(window);
        List<TimeCommand> commands = new ArrayList<>();
        long due = forgetting.recomputed(store, Long.MIN_VALUE);
        long order = 0;
        for (long time = 0; time < millis; time++) {
            long upTo = perSecond * (time + 1) / 1_000;
            for (; order < upTo; order++) {
                events.clear();
                Inventory.decide(new Command.Purchase(order, order, 1, 0, 1), time, store, events);
                Inventory.evolveAll(store, time, events);
                due = Math.min(due, forgetting.changed(events, time));
            }
            while (due <= time) {
                events.clear();
                Inventory.decide(tick, time, store, events);
                Inventory.evolveAll(store, time, events);
                assertTrue(events.size() <= FULL, events.size() + " forgotten at " + time);
                commands.add(new TimeCommand(time, events.size()));
                due = forgetting.recomputed(store, time);
            }
            if (oldest.forgettable(store, 1) > 0) {
                long late = time - NextDue.forgottenFrom(oldest.firstChangedAt(), window);
                assertTrue(late < spacing, "at " + time + " an order was left " + late + " ms past its window");
            }
        }
        return commands;
    }

    /** A store with sku 1 listed and stocked for {@code orders} one-unit purchases. */
    private static PrimitiveInventoryStore store(long orders) {
        PrimitiveInventoryStore store = new PrimitiveInventoryStore();
        EventBuffer events = new EventBuffer();
        for (Command command : List.of(new Command.ListProduct(1, 0), new Command.ReceiveStock(1, 1, 0, orders + 1))) {
            events.clear();
            Inventory.decide(command, 0, store, events);
            Inventory.evolveAll(store, 0, events);
        }
        return store;
    }
}
