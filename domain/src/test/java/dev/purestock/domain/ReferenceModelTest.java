package dev.purestock.domain;

import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Command.CancelHold;
import dev.purestock.domain.Command.CancelPurchase;
import dev.purestock.domain.Command.ConfirmReservation;
import dev.purestock.domain.Command.ExpireReservations;
import dev.purestock.domain.Command.Hold;
import dev.purestock.domain.Command.ListProduct;
import dev.purestock.domain.Command.PlaceOrder;
import dev.purestock.domain.Command.Purchase;
import dev.purestock.domain.Command.ReceiveStock;
import dev.purestock.domain.Command.ReleaseReservation;
import dev.purestock.domain.Command.Reserve;
import dev.purestock.domain.Command.WriteOffStock;
import dev.purestock.domain.Event.AlreadyApplied;
import dev.purestock.domain.Event.BatchAborted;
import dev.purestock.domain.Event.Rejected;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decider against a reference model written from docs/domain.md alone. Seeded random histories of listings,
 * receipts, write-offs, purchases, orders, reservations, cancels, confirms, releases, holds, cancels of holds, atomic
 * and independent batches (a time command among their members) and time commands, with small id spaces so that ids
 * collide, repeats of recent commands, and time that jumps past expiries and retention windows, are decided by the
 * domain and by the model. The two must agree on every answer (accepted, repeat, which rejection, which member aborted
 * a batch, what a time command forgot, expired and released, in order) and, after every step, on the stock, the
 * customers' counts, the remembered orders and their statuses, the order of last changes, the held commands and when
 * something next falls due; the units taken must be the units given back plus those still held. The property tests
 * check invariants; this checks the documented answers themselves, the order in which a command's checks fail
 * included.
 */
class ReferenceModelTest {
    private static final int SEEDS = 400;
    private static final int STEPS = 300;
    private static final int SKUS = 3;
    private static final int WAREHOUSES = 2;
    private static final int CUSTOMERS = 3;
    private static final int ORDER_IDS = 8;
    private static final int MOVEMENT_IDS = 30;
    private static final int HOLD_IDS = 5;
    private static final long RETAIN = 50;

    @Test
    void theDomainAnswersAndKeepsWhatTheDocumentedModelDoes() {
        for (int seed = 0; seed < SEEDS; seed++) {
            runHistory(seed);
        }
    }

    private static void runHistory(long seed) {
        Random random = new Random(seed);
        MapInventoryStore store = new MapInventoryStore();
        Model model = new Model();
        long now = 1_000;
        List<String> history = new ArrayList<>();
        List<Command> issued = new ArrayList<>();
        for (int sku = 0; sku < SKUS; sku++) {
            issued.add(random.nextInt(4) == 0 ? ListProduct.uncounted(sku) : new ListProduct(sku, random.nextInt(4)));
            for (int warehouse = 0; warehouse < WAREHOUSES; warehouse++) {
                issued.add(new ReceiveStock(MOVEMENT_IDS + sku * WAREHOUSES + warehouse, sku, warehouse,
                        random.nextInt(8)));
            }
        }
        int openings = issued.size();
        for (int step = 0; step < STEPS + openings; step++) {
            now += random.nextInt(8) == 0 ? random.nextInt(120) : random.nextInt(3);
            Command command = step < openings ? issued.get(step)
                    : random.nextInt(8) == 0 ? issued.get(issued.size() - 1 - random.nextInt(Math.min(10, issued.size())))
                    : command(random, now);
            issued.add(command);
            history.add(now + " " + command);
            List<Event> events = Inventory.decide(command, now, store);
            Supplier<String> context = () -> "seed " + seed + ", history:\n" + String.join("\n", history)
                    + "\nevents: " + events;
            assertEquals(events, Inventory.decide(command, now, store), context);
            String expected = model.decide(command, now);
            assertEquals(expected, outcome(command, events), context);
            Inventory.evolveAll(store, now, events);
            model.check(store, context);
        }
    }

    /**
     * What the domain answered, one entry per member of a batch: "ok", "repeat", a reason's name or "aborted" with
     * the member's index and reason; for a time command, what it forgot, expired and released, in order.
     */
    private static String outcome(Command command, List<Event> events) {
        int[] at = {0};
        String outcome = outcome(command, events, at);
        assertEquals(events.size(), at[0], () -> "events left over in " + events);
        return outcome;
    }

    /** The outcome of {@code command} from its events, read from {@code at[0]} on, which it moves past them. */
    private static String outcome(Command command, List<Event> events, int[] at) {
        if (command instanceof Batch batch) {
            if (at[0] < events.size() && events.get(at[0]) instanceof BatchAborted) {
                return answer(events.get(at[0]++));
            }
            List<String> answers = new ArrayList<>();
            batch.commands().forEach(member -> answers.add(outcome(member, events, at)));
            return String.join(",", answers);
        }
        if (!(command instanceof ExpireReservations)) {
            return answer(events.get(at[0]++));
        }
        StringBuilder time = new StringBuilder();
        while (at[0] < events.size()) {
            switch (events.get(at[0])) {
                case Event.OrderForgotten f -> time.append("forgot ").append(f.orderId()).append(';');
                case Event.ReservationExpired e -> time.append("expired ").append(e.orderId()).append(';');
                case Event.HoldReleased h -> time.append("released ").append(h.holdId()).append(':')
                        .append(answer(events.get(++at[0]))).append(';');
                default -> {
                    return time.toString();
                }
            }
            at[0]++;
        }
        return time.toString();
    }

    private static String answer(Event event) {
        return switch (event) {
            case Rejected r -> r.reason().toString();
            case BatchAborted a -> "aborted " + a.index() + " " + a.reason();
            case AlreadyApplied a -> "repeat";
            default -> "ok";
        };
    }

    private static Command command(Random random, long now) {
        long order = random.nextInt(ORDER_IDS);
        long customer = random.nextInt(CUSTOMERS);
        return switch (random.nextInt(18)) {
            case 0 -> random.nextInt(4) == 0 ? ListProduct.uncounted(random.nextInt(SKUS))
                    : new ListProduct(random.nextInt(SKUS), random.nextInt(4) == 0 ? -1 : random.nextInt(5));
            case 1, 2 -> new ReceiveStock(random.nextInt(MOVEMENT_IDS), random.nextInt(SKUS), random.nextInt(WAREHOUSES),
                    quantity(random));
            case 3 -> new WriteOffStock(random.nextInt(MOVEMENT_IDS), random.nextInt(SKUS), random.nextInt(WAREHOUSES),
                    quantity(random));
            case 4, 5 -> new Purchase(order, customer, random.nextInt(SKUS), random.nextInt(WAREHOUSES), quantity(random));
            case 6 -> new PlaceOrder(order, customer, lines(random));
            case 7, 8 -> new Reserve(order, customer, lines(random), now + random.nextInt(40) - 3);
            case 9 -> new CancelPurchase(order);
            case 10 -> new ConfirmReservation(order);
            case 11 -> new ReleaseReservation(order);
            case 12 -> new Hold(random.nextInt(HOLD_IDS), now + random.nextInt(30) - 3, member(random, now));
            case 13 -> new CancelHold(random.nextInt(HOLD_IDS));
            case 14 -> {
                List<Command> members = new ArrayList<>();
                // one time command at most: the events of two in a row could not be told apart here
                boolean time = true;
                for (int i = random.nextInt(3); i >= 0; i--) {
                    Command member;
                    do {
                        member = member(random, now);
                    } while (!time && member instanceof ExpireReservations);
                    time &= !(member instanceof ExpireReservations);
                    members.add(member);
                }
                yield new Batch(random.nextBoolean() ? Batch.Mode.ATOMIC : Batch.Mode.INDEPENDENT, members);
            }
            default -> new ExpireReservations(random.nextBoolean() ? RETAIN : Long.MAX_VALUE);
        };
    }

    /** A command that is no batch: what a batch or a hold of this test holds (a hold of a time command is refused). */
    private static Command member(Random random, long now) {
        Command command;
        do {
            command = command(random, now);
        } while (command instanceof Batch);
        return command;
    }

    private static long quantity(Random random) {
        return random.nextInt(12) == 0 ? random.nextInt(3) - 1 : 1 + random.nextInt(3);
    }

    private static List<Line> lines(Random random) {
        int count = random.nextInt(20) == 0 ? 0 : 1 + random.nextInt(3);
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            lines.add(new Line(random.nextInt(SKUS), random.nextInt(WAREHOUSES), quantity(random)));
        }
        return lines;
    }

    /** A remembered order of the model. */
    private static final class ModelOrder {
        final boolean reservation;
        final long customer;
        final List<Line> lines;
        final long expiresAt;
        OrderStatus status;

        ModelOrder(boolean reservation, long customer, List<Line> lines, long expiresAt, OrderStatus status) {
            this.reservation = reservation;
            this.customer = customer;
            this.lines = lines;
            this.expiresAt = expiresAt;
            this.status = status;
        }

        boolean samePayload(boolean otherReservation, long otherCustomer, List<Line> otherLines, long otherExpiresAt) {
            return reservation == otherReservation && customer == otherCustomer && lines.equals(otherLines)
                    && (!reservation || expiresAt == otherExpiresAt);
        }
    }

    /** The documented rules, as plainly as they read. */
    private static final class Model {
        /** sku: limit, or null when unlisted; counted skus in {@code counted}. */
        Map<Long, Long> limits = new HashMap<>();
        Map<Long, Boolean> counted = new HashMap<>();
        Map<List<Long>, Long> stock = new HashMap<>();
        Map<Long, Command> movements = new HashMap<>();
        Map<List<Long>, Long> customerUnits = new HashMap<>();
        Map<Long, ModelOrder> orders = new HashMap<>();
        /** Orders that are not live reservations, by the time of their last change, oldest change first. */
        LinkedHashMap<Long, Long> lastChanges = new LinkedHashMap<>();
        /** Held commands by hold id: their time and command. */
        Map<Long, Hold> held = new HashMap<>();
        /** The first rejection of a held command that the last time command decided, or {@code null}. */
        String heldRejection;
        /** The time of the command being decided: what an order's last change records. */
        long stamp;
        long received;
        long writtenOff;
        /** Units that forgotten purchases took: they stay sold. */
        long forgottenOut;

        /** A copy to decide an atomic batch on, adopted when none of its members is rejected. */
        Model copy() {
            Model copy = new Model();
            copy.limits = new HashMap<>(limits);
            copy.counted = new HashMap<>(counted);
            copy.stock = new HashMap<>(stock);
            copy.movements = new HashMap<>(movements);
            copy.customerUnits = new HashMap<>(customerUnits);
            orders.forEach((id, o) -> copy.orders.put(id, new ModelOrder(o.reservation, o.customer, o.lines,
                    o.expiresAt, o.status)));
            copy.lastChanges = new LinkedHashMap<>(lastChanges);
            copy.held = new HashMap<>(held);
            copy.stamp = stamp;
            copy.received = received;
            copy.writtenOff = writtenOff;
            copy.forgottenOut = forgottenOut;
            return copy;
        }

        String decide(Command command, long now) {
            stamp = now;
            return decideAt(command, now);
        }

        private String decideAt(Command command, long now) {
            return switch (command) {
                case ListProduct c -> list(c);
                case ReceiveStock c -> movement(c.movementId(), c, c.sku(), c.warehouse(), c.quantity(), true);
                case WriteOffStock c -> movement(c.movementId(), c, c.sku(), c.warehouse(), c.quantity(), false);
                case Purchase c -> order(c.orderId(), c.customer(), List.of(new Line(c.sku(), c.warehouse(), c.quantity())),
                        false, 0, now);
                case PlaceOrder c -> order(c.orderId(), c.customer(), c.lines(), false, 0, now);
                case Reserve c -> order(c.orderId(), c.customer(), c.lines(), true, c.expiresAt(), now);
                case CancelPurchase c -> cancel(c.orderId(), now);
                case ConfirmReservation c -> confirm(c.orderId(), now);
                case ReleaseReservation c -> release(c.orderId(), now);
                case ExpireReservations c -> time(c.retainOrdersFor(), now);
                case Hold c -> hold(c);
                case CancelHold c -> held.remove(c.holdId()) != null ? "ok" : "UNKNOWN_HOLD";
                case Batch c -> batch(c, now);
            };
        }

        private String hold(Hold c) {
            Hold seen = held.get(c.holdId());
            if (seen != null) {
                return seen.equals(c) ? "repeat" : "ID_REUSED";
            }
            if (c.command() instanceof ExpireReservations || c.command() instanceof Hold
                    || c.command() instanceof CancelHold) {
                return "NOT_HOLDABLE";
            }
            held.put(c.holdId(), c);
            return "ok";
        }

        private String batch(Batch c, long now) {
            List<String> answers = new ArrayList<>();
            if (c.mode() == Batch.Mode.INDEPENDENT) {
                c.commands().forEach(member -> answers.add(decideAt(member, now)));
                return String.join(",", answers);
            }
            Model trial = copy();
            for (int i = 0; i < c.commands().size(); i++) {
                Command member = c.commands().get(i);
                String answer = trial.decideAt(member, now);
                String rejection = member instanceof ExpireReservations ? trial.heldRejection
                        : answer.equals("ok") || answer.equals("repeat") ? null : answer;
                if (rejection != null) {
                    return "aborted " + i + " " + rejection;
                }
                answers.add(answer);
            }
            limits = trial.limits;
            counted = trial.counted;
            stock = trial.stock;
            movements = trial.movements;
            customerUnits = trial.customerUnits;
            orders = trial.orders;
            lastChanges = trial.lastChanges;
            held = trial.held;
            received = trial.received;
            writtenOff = trial.writtenOff;
            forgottenOut = trial.forgottenOut;
            return String.join(",", answers);
        }

        private String list(ListProduct c) {
            if (c.perCustomerLimit() < 0 || c.perCustomerLimit() > Limits.MAX_QUANTITY) {
                return "INVALID_LIMIT";
            }
            if (!c.countsCustomers() && c.perCustomerLimit() != 0) {
                return "UNCOUNTED_LIMIT";
            }
            Boolean counts = counted.get(c.sku());
            if (counts != null && counts != c.countsCustomers()) {
                return "COUNTING_FIXED";
            }
            limits.put(c.sku(), c.perCustomerLimit());
            counted.put(c.sku(), c.countsCustomers());
            return "ok";
        }

        private String movement(long id, Command c, long sku, int warehouse, long quantity, boolean receipt) {
            Command seen = movements.get(id);
            if (seen != null) {
                return seen.equals(c) ? "repeat" : "ID_REUSED";
            }
            if (quantity < 1 || quantity > Limits.MAX_QUANTITY) {
                return "INVALID_QUANTITY";
            }
            if (!limits.containsKey(sku)) {
                return "UNKNOWN_SKU";
            }
            List<Long> position = List.of(sku, (long) warehouse);
            Long available = stock.get(position);
            if (!receipt) {
                if (available == null) {
                    return "UNKNOWN_WAREHOUSE";
                }
                if (available < quantity) {
                    return "OUT_OF_STOCK";
                }
                stock.put(position, available - quantity);
                writtenOff += quantity;
            } else {
                stock.put(position, (available == null ? 0 : available) + quantity);
                received += quantity;
            }
            movements.put(id, c);
            return "ok";
        }

        private String order(long id, long customer, List<Line> lines, boolean reservation, long expiresAt, long now) {
            ModelOrder seen = orders.get(id);
            if (seen != null) {
                return seen.samePayload(reservation, customer, lines, expiresAt) ? "repeat" : "ID_REUSED";
            }
            if (reservation && expiresAt <= now) {
                return "INVALID_EXPIRY";
            }
            if (lines.isEmpty()) {
                return "EMPTY_ORDER";
            }
            Map<Long, Long> taken = new HashMap<>();
            List<List<Long>> positions = new ArrayList<>();
            for (Line line : lines) {
                if (line.quantity() < 1 || line.quantity() > Limits.MAX_QUANTITY) {
                    return "INVALID_QUANTITY";
                }
                List<Long> position = List.of(line.sku(), (long) line.warehouse());
                if (positions.contains(position)) {
                    return "DUPLICATE_LINE";
                }
                positions.add(position);
                if (!limits.containsKey(line.sku())) {
                    return "UNKNOWN_SKU";
                }
                Long available = stock.get(position);
                if (available == null) {
                    return "UNKNOWN_WAREHOUSE";
                }
                if (available < line.quantity()) {
                    return "OUT_OF_STOCK";
                }
                long before = taken.getOrDefault(line.sku(), 0L);
                long limit = limits.get(line.sku());
                if (counted.get(line.sku()) && limit > 0
                        && units(customer, line.sku()) + before + line.quantity() > limit) {
                    return "LIMIT_EXCEEDED";
                }
                taken.put(line.sku(), before + line.quantity());
            }
            for (Line line : lines) {
                move(customer, line, -1);
            }
            orders.put(id, new ModelOrder(reservation, customer, List.copyOf(lines), expiresAt,
                    reservation ? OrderStatus.RESERVED : OrderStatus.PURCHASED));
            if (!reservation) {
                changed(id);
            }
            return "ok";
        }

        private long units(long customer, long sku) {
            return customerUnits.getOrDefault(List.of(customer, sku), 0L);
        }

        /** Moves a line's units out of stock to the customer ({@code -1}) or back ({@code +1}). */
        private void move(long customer, Line line, int sign) {
            List<Long> position = List.of(line.sku(), (long) line.warehouse());
            stock.merge(position, sign * line.quantity(), Long::sum);
            if (counted.get(line.sku())) {
                long units = units(customer, line.sku()) - sign * line.quantity();
                if (units == 0) {
                    customerUnits.remove(List.of(customer, line.sku()));
                } else {
                    customerUnits.put(List.of(customer, line.sku()), units);
                }
            }
        }

        private void changed(long id) {
            lastChanges.remove(id);
            lastChanges.put(id, stamp);
        }

        private void giveBack(long id, OrderStatus status) {
            ModelOrder order = orders.get(id);
            for (Line line : order.lines) {
                move(order.customer, line, +1);
            }
            order.status = status;
            changed(id);
        }

        private String cancel(long id, long now) {
            ModelOrder order = orders.get(id);
            if (order == null) {
                return "UNKNOWN_ORDER";
            }
            return switch (order.status) {
                case PURCHASED, CONFIRMED -> {
                    giveBack(id, OrderStatus.CANCELLED);
                    yield "ok";
                }
                case CANCELLED -> "ALREADY_CANCELLED";
                default -> "NOT_CANCELLABLE";
            };
        }

        private String confirm(long id, long now) {
            ModelOrder order = orders.get(id);
            if (order == null) {
                return "UNKNOWN_ORDER";
            }
            return switch (order.status) {
                case RESERVED -> {
                    if (now >= order.expiresAt) {
                        yield "EXPIRED";
                    }
                    order.status = OrderStatus.CONFIRMED;
                    changed(id);
                    yield "ok";
                }
                case EXPIRED -> "EXPIRED";
                case RELEASED -> "ALREADY_RELEASED";
                case CONFIRMED -> "ALREADY_CONFIRMED";
                default -> "NOT_A_RESERVATION";
            };
        }

        private String release(long id, long now) {
            ModelOrder order = orders.get(id);
            if (order == null) {
                return "UNKNOWN_ORDER";
            }
            return switch (order.status) {
                case RESERVED -> {
                    giveBack(id, OrderStatus.RELEASED);
                    yield "ok";
                }
                case EXPIRED -> "EXPIRED";
                case RELEASED -> "ALREADY_RELEASED";
                case CONFIRMED -> "ALREADY_CONFIRMED";
                default -> "NOT_A_RESERVATION";
            };
        }

        private String time(long retain, long now) {
            // forgetting first, then what fell due
            heldRejection = null;
            StringBuilder done = new StringBuilder();
            if (retain != Long.MAX_VALUE) {
                Iterator<Map.Entry<Long, Long>> oldest = lastChanges.entrySet().iterator();
                while (oldest.hasNext()) {
                    Map.Entry<Long, Long> entry = oldest.next();
                    if (entry.getValue() >= now - retain) {
                        break;
                    }
                    oldest.remove();
                    ModelOrder gone = orders.remove(entry.getKey());
                    if (gone.status == OrderStatus.PURCHASED || gone.status == OrderStatus.CONFIRMED) {
                        gone.lines.forEach(line -> forgottenOut += line.quantity());
                    }
                    done.append("forgot ").append(entry.getKey()).append(';');
                }
            }
            // due reservations and held commands, in the order they fell due, a reservation first at the same time
            while (true) {
                ModelOrder expiring = null;
                long expiringId = 0;
                for (Map.Entry<Long, ModelOrder> entry : new TreeMap<>(orders).entrySet()) {
                    ModelOrder order = entry.getValue();
                    if (order.status == OrderStatus.RESERVED && order.expiresAt <= now
                            && (expiring == null || order.expiresAt < expiring.expiresAt)) {
                        expiring = order;
                        expiringId = entry.getKey();
                    }
                }
                Hold release = null;
                for (Hold hold : new TreeMap<>(held).values()) {
                    if (hold.at() <= now && (release == null || hold.at() < release.at())) {
                        release = hold;
                    }
                }
                if (expiring != null && (release == null || expiring.expiresAt <= release.at())) {
                    giveBack(expiringId, OrderStatus.EXPIRED);
                    done.append("expired ").append(expiringId).append(';');
                } else if (release != null) {
                    held.remove(release.holdId());
                    String answer = decideAt(release.command(), release.at());
                    if (heldRejection == null && !answer.equals("ok") && !answer.equals("repeat")) {
                        heldRejection = answer;
                    }
                    done.append("released ").append(release.holdId()).append(':').append(answer).append(';');
                } else {
                    break;
                }
            }
            return done.toString();
        }

        void check(InventoryStore store, Supplier<String> context) {
            Map<List<Long>, Long> positions = new HashMap<>();
            store.forEachPosition((sku, warehouse, available) -> positions.put(List.of(sku, (long) warehouse), available));
            assertEquals(stock, positions, context);
            long out = 0;
            for (ModelOrder order : orders.values()) {
                if (order.status == OrderStatus.RESERVED || order.status == OrderStatus.PURCHASED
                        || order.status == OrderStatus.CONFIRMED) {
                    for (Line line : order.lines) {
                        out += line.quantity();
                    }
                }
            }
            long inStock = 0;
            for (long available : stock.values()) {
                assertTrue(available >= 0, context);
                inStock += available;
            }
            // units taken = units given back + units still held, forgotten purchases keeping theirs
            assertEquals(received - writtenOff - inStock, out + forgottenOut, context);
            Map<List<Long>, Long> counts = new HashMap<>();
            store.forEachCustomerUnits((customer, sku, units) -> {
                if (units != 0) {
                    counts.put(List.of(customer, sku), units);
                }
            });
            assertEquals(customerUnits, counts, context);
            Map<Long, OrderStatus> statuses = new HashMap<>();
            store.forEachOrder(order -> statuses.put(order.orderId(), order.status()));
            Map<Long, OrderStatus> expected = new HashMap<>();
            orders.forEach((id, order) -> expected.put(id, order.status));
            assertEquals(expected, statuses, context);
            List<Long> order = new ArrayList<>();
            store.forEachByLastChange((id, at) -> {
                order.add(id);
                order.add(at);
                return true;
            });
            List<Long> expectedOrder = new ArrayList<>();
            lastChanges.forEach((id, at) -> {
                expectedOrder.add(id);
                expectedOrder.add(at);
            });
            assertEquals(expectedOrder, order, context);
            Map<Long, Hold> holds = new HashMap<>();
            store.forEachHeld(h -> holds.put(h.holdId(), new Hold(h.holdId(), h.at(), h.command())));
            assertEquals(held, holds, context);
            long next = NextDue.NEVER;
            for (ModelOrder live : orders.values()) {
                if (live.status == OrderStatus.RESERVED) {
                    next = Math.min(next, live.expiresAt);
                }
            }
            for (Hold hold : held.values()) {
                next = Math.min(next, hold.at());
            }
            assertEquals(next, new NextDue().of(store), context);
            NextDue forgettable = new NextDue();
            assertEquals(Math.min(lastChanges.size(), 3), forgettable.forgettable(store, 3), context);
            assertEquals(lastChanges.isEmpty() ? NextDue.NEVER : lastChanges.values().iterator().next(),
                    forgettable.firstChangedAt(), context);
        }
    }
}
