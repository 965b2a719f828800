package dev.purestock.domain;

import dev.purestock.domain.Command.ExpireReservations;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Time commands that come late decide what timely ones would have: thousands of reservations and hundreds of held
 * commands (purchases that compete with the reservations for the stock, confirms, releases, cancels and reservations
 * of their own, some due before the time command comes) fall due over a minute; one run sends a time command at
 * every tick, the other only at the end, where the limits per time command (1,024 expiries, 255 held commands) cut
 * the work into many. Every order ends the same, and so does the stock and every customer's count.
 */
class LateTimeCommandTest {
    private static final long NEVER_FORGET = Long.MAX_VALUE;
    private static final int SKUS = 3;
    private static final long LAST_TICK = 20;

    @Test
    void lateTimeCommandsCutByTheirLimitsEndWhereTimelyOnesDo() {
        for (long seed = 1; seed <= 12; seed++) {
            List<Command> opening = new ArrayList<>();
            List<Command> holds = new ArrayList<>();
            scenario(new SplittableRandom(seed), opening, holds);

            MapInventoryStore timely = open(opening, holds);
            for (long tick = 1; tick <= LAST_TICK + 30; tick++) {
                drain(timely, tick);
            }
            MapInventoryStore late = open(opening, holds);
            int lateCommands = drain(late, LAST_TICK + 30);

            assertTrue(lateCommands >= 3, "seed " + seed + ": the late run took " + lateCommands + " time commands");
            assertEquals(outcome(timely), outcome(late), "seed " + seed);
        }
    }

    private static void scenario(SplittableRandom random, List<Command> opening, List<Command> holds) {
        for (int sku = 0; sku < SKUS; sku++) {
            opening.add(new Command.ListProduct(sku, sku == 0 ? 40 : 0));
            opening.add(new Command.ReceiveStock(sku, sku, 0, 1_400));
        }
        int reservations = 3_000;
        for (int order = 0; order < reservations; order++) {
            opening.add(new Command.Reserve(order, random.nextInt(50), List.of(new Line(random.nextInt(SKUS), 0,
                    1 + random.nextInt(2))), 1 + random.nextInt((int) LAST_TICK)));
        }
        long nextOrder = reservations;
        List<Long> heldPurchases = new ArrayList<>();
        for (int hold = 0; hold < 700; hold++) {
            long at = 1 + random.nextInt((int) LAST_TICK);
            Command command = switch (random.nextInt(6)) {
                case 0, 1 -> {
                    heldPurchases.add(nextOrder);
                    yield new Command.Purchase(nextOrder++, random.nextInt(50), random.nextInt(SKUS), 0,
                            1 + random.nextInt(40));
                }
                case 2 -> new Command.ConfirmReservation(random.nextInt(reservations));
                case 3 -> new Command.ReleaseReservation(random.nextInt(reservations));
                case 4 -> new Command.Reserve(nextOrder++, random.nextInt(50), List.of(new Line(random.nextInt(SKUS),
                        0, 1 + random.nextInt(30))), at + 1 + random.nextInt(20));
                default -> heldPurchases.isEmpty() ? new Command.CancelPurchase(0)
                        : new Command.CancelPurchase(heldPurchases.get(random.nextInt(heldPurchases.size())));
            };
            holds.add(new Command.Hold(hold, at, command));
        }
    }

    private static MapInventoryStore open(List<Command> opening, List<Command> holds) {
        MapInventoryStore store = new MapInventoryStore();
        for (Command command : opening) {
            Inventory.evolveAll(store, 0, Inventory.decide(command, 0, store));
        }
        for (Command hold : holds) {
            List<Event> events = Inventory.decide(hold, 0, store);
            assertEquals(Event.CommandHeld.class, events.get(0).getClass());
            Inventory.evolveAll(store, 0, events);
        }
        return store;
    }

    /** Sends time commands at {@code now} until nothing is due then; returns how many it sent. */
    private static int drain(MapInventoryStore store, long now) {
        int sent = 0;
        while (new NextDue().of(store) <= now) {
            Inventory.evolveAll(store, now, Inventory.decide(new ExpireReservations(NEVER_FORGET), now, store));
            sent++;
            assertTrue(sent < 1_000, "time commands at " + now + " never finish");
        }
        return sent;
    }

    /** Every order's status, the stock and the customer counts: what the two runs must agree on. */
    private static String outcome(MapInventoryStore store) {
        TreeMap<Long, String> orders = new TreeMap<>();
        store.forEachOrder(order -> orders.put(order.orderId(), order.status() + " " + order.lines()));
        TreeMap<String, Long> positions = new TreeMap<>();
        store.forEachPosition((sku, warehouse, available) -> positions.put(sku + "/" + warehouse, available));
        TreeMap<String, Long> counts = new TreeMap<>();
        store.forEachCustomerUnits((customer, sku, units) -> counts.put(customer + "/" + sku, units));
        List<Long> held = new ArrayList<>();
        store.forEachHeld(command -> held.add(command.holdId()));
        return orders + "\n" + positions + "\n" + counts + "\nheld " + held;
    }
}
