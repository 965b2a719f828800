package dev.purestock.domain.testing;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * QuickTheories generators for inventory commands and timed histories of them, built to find trouble rather
 * than to look like real traffic: a handful of skus, warehouses and customers so that lines collide, ids drawn
 * mostly from a small range so that they are reused, tiny stock so that it runs out, quantities that are
 * sometimes zero, negative or past {@link Limits#MAX_QUANTITY}, repeats of earlier commands, nested and
 * sometimes too-deep batches, cancels, confirmations and releases that follow the orders they name, time
 * that stands still, creeps, or jumps past every expiry, and time commands whose retention window is often
 * short enough that orders are forgotten and their ids come back as new. Every generator shrinks: a failing history is
 * reported cut down to the commands that still make it fail, one timed command per line.
 */
public final class InventoryGenerators {
    /** Skus are drawn from {@code 0 .. SKUS - 1}. */
    public static final int SKUS = 4;
    /** Warehouses are drawn from {@code 0 .. WAREHOUSES - 1}. */
    public static final int WAREHOUSES = 3;
    /** Customers are drawn from {@code 0 .. CUSTOMERS - 1}. */
    public static final int CUSTOMERS = 4;
    /** The deepest batch generated: one past {@link Limits#MAX_BATCH_DEPTH}, so too-deep batches occur. */
    public static final int DEEPEST_BATCH = Limits.MAX_BATCH_DEPTH + 1;

    private static final long OPENING_MOVEMENTS = 1_000;

    private InventoryGenerators() {
    }

    /**
     * Histories of 1 to 60 timed commands after an opening that lists most skus and receives a little
     * stock; about one command in ten repeats an earlier one, and about one in five cancels, confirms or
     * releases an order placed earlier.
     */
    public static Gen<List<Timed>> histories() {
        return histories(60);
    }

    /** Histories of 1 to {@code maxCommands} timed commands after the opening, their length drawn uniformly. */
    public static Gen<List<Timed>> histories(int maxCommands) {
        Gen<Step> fresh = timeSteps().zip(commands(), Fresh::new);
        Gen<Step> again = timeSteps().zip(integers().between(0, 7), Again::new);
        Gen<Step> followUp = timeSteps().zip(integers().between(0, 5),
                Generate.enumValues(FollowUpKind.class), FollowUp::new);
        Gen<List<Step>> body = lists().of(frequency(List.of(Pair.of(7, fresh), Pair.of(1, again), Pair.of(2, followUp))))
                .ofSizeBetween(1, maxCommands);
        return openings().zip(body, (opening, steps) -> {
            List<Step> all = new ArrayList<>(opening);
            all.addAll(steps);
            return play(all);
        }).describedAs(InventoryGenerators::describe);
    }

    /** One timed command per line, so that a falsifying history reads as the sequence it is. */
    public static String describe(List<Timed> history) {
        return history.stream().map(Timed::toString)
                .collect(Collectors.joining("\n  ", history.size() + " commands:\n  ", ""));
    }

    /**
     * The opening, at time 0: every sku but the last is listed, with no limit, a small one, or counting no
     * customers, and most of their positions receive 1 to 10 units. The last sku stays unlisted until a generated command lists it.
     */
    private static Gen<List<Step>> openings() {
        // -1: listed counting no customers
        Gen<Long> limit = frequency(List.of(Pair.of(3, Generate.constant(0L)), Pair.of(2, longs().between(1, 4)),
                Pair.of(1, Generate.constant(-1L))));
        Gen<Long> stock = frequency(List.of(Pair.of(1, Generate.constant(0L)), Pair.of(3, longs().between(1, 10))));
        return lists().of(limit).ofSize(SKUS - 1).zip(lists().of(stock).ofSize((SKUS - 1) * WAREHOUSES),
                (limits, quantities) -> {
                    List<Step> opening = new ArrayList<>();
                    for (int sku = 0; sku < SKUS - 1; sku++) {
                        long limitOfSku = limits.get(sku);
                        opening.add(new Fresh(0, limitOfSku < 0 ? Command.ListProduct.uncounted(sku)
                                : new Command.ListProduct(sku, limitOfSku)));
                    }
                    for (int position = 0; position < quantities.size(); position++) {
                        if (quantities.get(position) > 0) {
                            opening.add(new Fresh(0, new Command.ReceiveStock(OPENING_MOVEMENTS + position,
                                    position / WAREHOUSES, position % WAREHOUSES, quantities.get(position))));
                        }
                    }
                    return opening;
                });
    }

    /** Any command, batches nested up to {@link #DEEPEST_BATCH} deep included. */
    public static Gen<Command> commands() {
        return commands(DEEPEST_BATCH);
    }

    /** Commands that are not batches. Reservations expire at a time relative to 0; see {@link #histories}. */
    public static Gen<Command> singleCommands() {
        return frequency(List.of(
                Pair.of(2, listProducts()),
                Pair.of(4, receipts()),
                Pair.of(1, writeOffs()),
                Pair.of(10, purchases()),
                Pair.of(3, orders()),
                Pair.of(1, cancels()),
                Pair.of(5, reservations()),
                Pair.of(1, confirmations()),
                Pair.of(1, releases()),
                Pair.of(2, timeCommands()),
                Pair.of(2, holds()),
                Pair.of(1, cancelHolds())));
    }

    /**
     * Holds of a purchase, a reservation, a cancel, confirm or release, a time command (not holdable) or a small
     * batch, due a little before to a while after time 0 ({@link #histories} shifts them to their time), under
     * hold ids from a range of 6, so that they collide.
     */
    public static Gen<Command> holds() {
        Gen<Command> held = frequency(List.of(
                Pair.of(4, purchases()),
                Pair.of(2, reservations()),
                Pair.of(1, cancels()),
                Pair.of(1, confirmations()),
                Pair.of(1, releases()),
                Pair.of(1, timeCommands()),
                Pair.of(1, Generate.enumValues(Batch.Mode.class).zip(lists().of(purchases()).ofSizeBetween(0, 3),
                        Batch::new))));
        Gen<Long> dueIn = frequency(List.of(Pair.of(1, longs().between(-2, 0)), Pair.of(8, longs().between(1, 20))));
        return longs().between(0, 5).zip(dueIn, held, Command.Hold::new);
    }

    /** Cancels of hold ids from the same small range as {@link #holds()}. */
    public static Gen<Command> cancelHolds() {
        return longs().between(0, 5).map(Command.CancelHold::new);
    }

    /**
     * Time commands: half with the default window, which no generated history outlives, and half with a window
     * of 1 to 60, which the time steps of a history pass often.
     */
    public static Gen<Command> timeCommands() {
        return frequency(List.of(
                Pair.of(1, Generate.constant(new Command.ExpireReservations())),
                Pair.of(1, longs().between(1, 60).map(Command.ExpireReservations::new))));
    }

    /** Batches of the given nesting depth or less, of up to four members. */
    public static Gen<Command> batches(int depth) {
        Gen<Command> members = depth <= 1 ? singleCommands() : commands(depth - 1);
        return Generate.enumValues(Batch.Mode.class).zip(lists().of(members).ofSizeBetween(0, 4), Batch::new);
    }

    /**
     * Listings with no limit, small limits, and invalid ones, mostly counting customers and sometimes not (which
     * rejects a limit, and a listing that changes a listed sku's choice).
     */
    public static Gen<Command> listProducts() {
        Gen<Long> limit = frequency(List.of(
                Pair.of(4, Generate.constant(0L)),
                Pair.of(4, longs().between(1, 4)),
                Pair.of(1, Generate.pick(List.of(-1L, Limits.MAX_QUANTITY, Limits.MAX_QUANTITY + 1)))));
        Gen<Boolean> counts = frequency(List.of(Pair.of(3, Generate.constant(true)),
                Pair.of(1, Generate.constant(false))));
        return skus().zip(limit, counts, Command.ListProduct::new);
    }

    /** Receipts of a few units under colliding movement ids. */
    public static Gen<Command> receipts() {
        return movementIds().zip(skus(), warehouses(), quantities(), Command.ReceiveStock::new);
    }

    /** Write-offs of a few units under colliding movement ids. */
    public static Gen<Command> writeOffs() {
        return movementIds().zip(skus(), warehouses(), quantities(), Command.WriteOffStock::new);
    }

    /** One-line purchases. */
    public static Gen<Command> purchases() {
        return orderIds().zip(customers(), skus(), warehouses(), quantities(), Command.Purchase::new);
    }

    /** Orders of one to three lines, now and then one with none or too many. */
    public static Gen<Command> orders() {
        return orderIds().zip(customers(), lineLists(), Command.PlaceOrder::new);
    }

    /** Reservations expiring a little before to a while after time 0; {@link #histories} shifts them to their time. */
    public static Gen<Command> reservations() {
        Gen<Long> expiresIn = frequency(List.of(
                Pair.of(1, longs().between(-2, 0)),
                Pair.of(8, longs().between(1, 20))));
        return orderIds().zip(customers(), lineLists(), expiresIn, Command.Reserve::new);
    }

    /** Cancellations of colliding order ids. */
    public static Gen<Command> cancels() {
        return orderIds().map(Command.CancelPurchase::new);
    }

    /** Confirmations of colliding order ids. */
    public static Gen<Command> confirmations() {
        return orderIds().map(Command.ConfirmReservation::new);
    }

    /** Releases of colliding order ids. */
    public static Gen<Command> releases() {
        return orderIds().map(Command.ReleaseReservation::new);
    }

    /** Quantities: mostly 1 to 5, sometimes more, and now and then zero, negative or too large. */
    public static Gen<Long> quantities() {
        return frequency(List.of(
                Pair.of(20, longs().between(1, 5)),
                Pair.of(2, longs().between(6, 30)),
                Pair.of(1, Generate.pick(List.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, Limits.MAX_QUANTITY,
                        Limits.MAX_QUANTITY + 1)))));
    }

    /** Order ids: mostly from a range of 1000, and one in eight from a range of 8, so that they collide. */
    public static Gen<Long> orderIds() {
        return frequency(List.of(
                Pair.of(1, longs().between(0, 7)),
                Pair.of(7, longs().between(0, 999))));
    }

    /** Movement ids from a range of 40, so that some collide. */
    public static Gen<Long> movementIds() {
        return longs().between(0, 39);
    }

    /** Skus from {@code 0 .. SKUS - 1}. */
    public static Gen<Long> skus() {
        return longs().between(0, SKUS - 1);
    }

    /** Warehouses from {@code 0 .. WAREHOUSES - 1}. */
    public static Gen<Integer> warehouses() {
        return integers().between(0, WAREHOUSES - 1);
    }

    /** Customers from {@code 0 .. CUSTOMERS - 1}. */
    public static Gen<Long> customers() {
        return longs().between(0, CUSTOMERS - 1);
    }

    /**
     * Picks one of the generators with a chance proportional to its weight. Takes a list rather than varargs
     * so that callers build no generic array.
     */
    public static <T> Gen<T> frequency(List<Pair<Integer, Gen<T>>> weighted) {
        return Generate.frequency(weighted);
    }

    private static Gen<Command> commands(int depth) {
        return frequency(List.of(Pair.of(12, singleCommands()), Pair.of(1, batches(depth))));
    }

    private static Gen<List<Line>> lineLists() {
        Gen<Line> line = skus().zip(warehouses(), quantities(), Line::new);
        return frequency(List.of(
                Pair.of(20, lists().of(line).ofSize(1)),
                Pair.of(10, lists().of(line).ofSizeBetween(2, 3)),
                Pair.of(1, Generate.constant(List.of())),
                Pair.of(1, Generate.constant(tooManyLines()))));
    }

    private static List<Line> tooManyLines() {
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i <= Limits.MAX_LINES; i++) {
            lines.add(new Line(i, 0, 1));
        }
        return List.copyOf(lines);
    }

    private static Gen<Long> timeSteps() {
        return frequency(List.of(
                Pair.of(6, Generate.constant(0L)),
                Pair.of(6, longs().between(1, 3)),
                Pair.of(1, longs().between(10, 200))));
    }

    private static List<Timed> play(List<Step> steps) {
        List<Timed> timed = new ArrayList<>(steps.size());
        long now = 0;
        for (Step step : steps) {
            now += step.dt();
            Command command = switch (step) {
                case Fresh fresh -> atTime(fresh.command(), now);
                case Again again -> timed.isEmpty() ? null : timed.get(back(timed, again.back())).command();
                case FollowUp followUp -> followUp(timed, followUp);
            };
            if (command != null) {
                timed.add(new Timed(now, command));
            }
        }
        return List.copyOf(timed);
    }

    private static int back(List<Timed> timed, int back) {
        return Math.max(0, timed.size() - 1 - back);
    }

    /** A cancel, confirm or release of the order placed by the latest order-placing command at or before {@code back}. */
    private static Command followUp(List<Timed> timed, FollowUp followUp) {
        for (int i = timed.isEmpty() ? -1 : back(timed, followUp.back()); i >= 0; i--) {
            long orderId = switch (timed.get(i).command()) {
                case Command.Purchase p -> p.orderId();
                case Command.PlaceOrder o -> o.orderId();
                case Command.Reserve r -> r.orderId();
                default -> -1;
            };
            if (orderId >= 0) {
                return switch (followUp.kind()) {
                    case CANCEL -> new Command.CancelPurchase(orderId);
                    case CONFIRM -> new Command.ConfirmReservation(orderId);
                    case RELEASE -> new Command.ReleaseReservation(orderId);
                };
            }
        }
        return null;
    }

    /**
     * Shifts reservations, in batches too, to expire relative to {@code now}, and holds to fall due relative to it
     * (a held reservation then expires relative to its hold's time).
     */
    private static Command atTime(Command command, long now) {
        return switch (command) {
            case Command.Reserve r -> new Command.Reserve(r.orderId(), r.customer(), r.lines(), now + r.expiresAt());
            case Batch b -> new Batch(b.mode(), b.commands().stream().map(c -> atTime(c, now)).toList());
            case Command.Hold h -> new Command.Hold(h.holdId(), now + h.at(), atTime(h.command(), now + h.at()));
            default -> command;
        };
    }

    private sealed interface Step {
        long dt();
    }

    private record Fresh(long dt, Command command) implements Step {
    }

    private record Again(long dt, int back) implements Step {
    }

    private record FollowUp(long dt, int back, FollowUpKind kind) implements Step {
    }

    private enum FollowUpKind {
        CANCEL, CONFIRM, RELEASE
    }
}
