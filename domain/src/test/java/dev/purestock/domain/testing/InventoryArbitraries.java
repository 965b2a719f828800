package dev.purestock.domain.testing;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;

import java.util.ArrayList;
import java.util.List;

import static net.jqwik.api.Tuple.of;

/**
 * jqwik generators for inventory commands and timed histories of them, built to find trouble rather than
 * to look like real traffic: a handful of skus, warehouses and customers so that lines collide, ids drawn
 * mostly from a small range so that they are reused, tiny stock so that it runs out, quantities that are
 * sometimes zero, negative or past {@link Limits#MAX_QUANTITY}, repeats of earlier commands, nested and
 * sometimes too-deep batches, cancels, confirmations and releases that follow the orders they name, and
 * time that stands still, creeps, or jumps past every expiry.
 */
public final class InventoryArbitraries {
    /** Skus are drawn from {@code 0 .. SKUS - 1}. */
    public static final int SKUS = 4;
    /** Warehouses are drawn from {@code 0 .. WAREHOUSES - 1}. */
    public static final int WAREHOUSES = 3;
    /** Customers are drawn from {@code 0 .. CUSTOMERS - 1}. */
    public static final int CUSTOMERS = 4;
    /** The deepest batch generated: one past {@link Limits#MAX_BATCH_DEPTH}, so too-deep batches occur. */
    public static final int DEEPEST_BATCH = Limits.MAX_BATCH_DEPTH + 1;

    private static final long OPENING_MOVEMENTS = 1_000;

    private InventoryArbitraries() {
    }

    /**
     * Histories of up to 60 timed commands after an opening that lists most skus and receives a little
     * stock; about one command in ten repeats an earlier one, and about one in five cancels, confirms or
     * releases an order placed earlier.
     */
    public static Arbitrary<List<Timed>> histories() {
        return histories(60);
    }

    /** Histories of up to {@code maxCommands} timed commands after the opening. */
    public static Arbitrary<List<Timed>> histories(int maxCommands) {
        Arbitrary<Step> fresh = Combinators.combine(timeSteps(), commands()).as(Fresh::new);
        Arbitrary<Step> again = Combinators.combine(timeSteps(), Arbitraries.integers().between(0, 7)).as(Again::new);
        Arbitrary<Step> followUp = Combinators.combine(timeSteps(), Arbitraries.integers().between(0, 5),
                Arbitraries.of(FollowUpKind.class)).as(FollowUp::new);
        Arbitrary<List<Step>> body = Arbitraries.frequencyOf(of(7, fresh), of(1, again), of(2, followUp))
                .list().ofMinSize(1).ofMaxSize(maxCommands).withSizeDistribution(RandomDistribution.uniform())
                .withoutEdgeCases();
        return Combinators.combine(openings(), body).as((opening, steps) -> {
            List<Step> all = new ArrayList<>(opening);
            all.addAll(steps);
            return play(all);
        });
    }

    /**
     * The opening, at time 0: every sku but the last is listed, with no limit or a small one, and most of
     * their positions receive 1 to 10 units. The last sku stays unlisted until a generated command lists it.
     */
    private static Arbitrary<List<Step>> openings() {
        Arbitrary<Long> limit = Arbitraries.frequencyOf(of(3, Arbitraries.just(0L)), of(2, Arbitraries.longs().between(1, 4)));
        Arbitrary<Long> stock = Arbitraries.frequencyOf(of(1, Arbitraries.just(0L)), of(3, Arbitraries.longs().between(1, 10)));
        return Combinators.combine(limit.list().ofSize(SKUS - 1), stock.list().ofSize((SKUS - 1) * WAREHOUSES))
                .as((limits, quantities) -> {
                    List<Step> opening = new ArrayList<>();
                    for (int sku = 0; sku < SKUS - 1; sku++) {
                        opening.add(new Fresh(0, new Command.ListProduct(sku, limits.get(sku))));
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
    public static Arbitrary<Command> commands() {
        return commands(DEEPEST_BATCH);
    }

    /** Commands that are not batches. Reservations expire at a time relative to 0; see {@link #histories}. */
    public static Arbitrary<Command> singleCommands() {
        return Arbitraries.frequencyOf(
                of(2, listProducts()),
                of(4, receipts()),
                of(1, writeOffs()),
                of(10, purchases()),
                of(3, orders()),
                of(1, cancels()),
                of(5, reservations()),
                of(1, confirmations()),
                of(1, releases()),
                of(2, Arbitraries.just(new Command.ExpireReservations())));
    }

    /** Batches of the given nesting depth or less. */
    public static Arbitrary<Command> batches(int depth) {
        Arbitrary<Command> members = depth <= 1 ? singleCommands() : commands(depth - 1);
        return Combinators.combine(Arbitraries.of(Batch.Mode.class), members.list().ofMaxSize(4))
                .as(Batch::new);
    }

    /** Listings with no limit, small limits, and invalid ones. */
    public static Arbitrary<Command> listProducts() {
        Arbitrary<Long> limit = Arbitraries.frequencyOf(
                of(4, Arbitraries.just(0L)),
                of(4, Arbitraries.longs().between(1, 4)),
                of(1, Arbitraries.of(-1L, Limits.MAX_QUANTITY, Limits.MAX_QUANTITY + 1)));
        return Combinators.combine(skus(), limit).as(Command.ListProduct::new);
    }

    /** Receipts of a few units under colliding movement ids. */
    public static Arbitrary<Command> receipts() {
        return Combinators.combine(movementIds(), skus(), warehouses(), quantities())
                .as(Command.ReceiveStock::new);
    }

    /** Write-offs of a few units under colliding movement ids. */
    public static Arbitrary<Command> writeOffs() {
        return Combinators.combine(movementIds(), skus(), warehouses(), quantities())
                .as(Command.WriteOffStock::new);
    }

    /** One-line purchases. */
    public static Arbitrary<Command> purchases() {
        return Combinators.combine(orderIds(), customers(), skus(), warehouses(), quantities())
                .as(Command.Purchase::new);
    }

    /** Orders of one to three lines, now and then one with none or too many. */
    public static Arbitrary<Command> orders() {
        return Combinators.combine(orderIds(), customers(), lineLists()).as(Command.PlaceOrder::new);
    }

    /** Reservations expiring a little before to a while after time 0; {@link #histories} shifts them to their time. */
    public static Arbitrary<Command> reservations() {
        Arbitrary<Long> expiresIn = Arbitraries.frequencyOf(
                of(1, Arbitraries.longs().between(-2, 0)),
                of(8, Arbitraries.longs().between(1, 20)));
        return Combinators.combine(orderIds(), customers(), lineLists(), expiresIn).as(Command.Reserve::new);
    }

    /** Cancellations of colliding order ids. */
    public static Arbitrary<Command> cancels() {
        return orderIds().map(Command.CancelPurchase::new);
    }

    /** Confirmations of colliding order ids. */
    public static Arbitrary<Command> confirmations() {
        return orderIds().map(Command.ConfirmReservation::new);
    }

    /** Releases of colliding order ids. */
    public static Arbitrary<Command> releases() {
        return orderIds().map(Command.ReleaseReservation::new);
    }

    /** Quantities: mostly 1 to 5, sometimes more, and now and then zero, negative or too large. */
    public static Arbitrary<Long> quantities() {
        return Arbitraries.frequencyOf(
                of(20, Arbitraries.longs().between(1, 5)),
                of(2, Arbitraries.longs().between(6, 30)),
                of(1, Arbitraries.of(0L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, Limits.MAX_QUANTITY,
                        Limits.MAX_QUANTITY + 1)));
    }

    /** Order ids: mostly from a range of 1000, and one in eight from a range of 8, so that they collide. */
    public static Arbitrary<Long> orderIds() {
        return Arbitraries.frequencyOf(
                of(1, Arbitraries.longs().between(0, 7)),
                of(7, Arbitraries.longs().between(0, 999))).withoutEdgeCases();
    }

    /** Movement ids from a range of 40, so that some collide. */
    public static Arbitrary<Long> movementIds() {
        return Arbitraries.longs().between(0, 39).withoutEdgeCases();
    }

    /** Skus from {@code 0 .. SKUS - 1}. */
    public static Arbitrary<Long> skus() {
        return Arbitraries.longs().between(0, SKUS - 1);
    }

    /** Warehouses from {@code 0 .. WAREHOUSES - 1}. */
    public static Arbitrary<Integer> warehouses() {
        return Arbitraries.integers().between(0, WAREHOUSES - 1);
    }

    /** Customers from {@code 0 .. CUSTOMERS - 1}. */
    public static Arbitrary<Long> customers() {
        return Arbitraries.longs().between(0, CUSTOMERS - 1);
    }

    private static Arbitrary<Command> commands(int depth) {
        return Arbitraries.frequencyOf(of(12, singleCommands()), of(1, batches(depth)));
    }

    private static Arbitrary<List<Line>> lineLists() {
        Arbitrary<Line> line = Combinators.combine(skus(), warehouses(), quantities()).as(Line::new);
        Arbitrary<List<Line>> tooMany = Arbitraries.just(tooManyLines());
        return Arbitraries.frequencyOf(
                of(20, line.list().ofSize(1)),
                of(10, line.list().ofMinSize(2).ofMaxSize(3)),
                of(1, Arbitraries.just(List.of())),
                of(1, tooMany));
    }

    private static List<Line> tooManyLines() {
        List<Line> lines = new ArrayList<>();
        for (int i = 0; i <= Limits.MAX_LINES; i++) {
            lines.add(new Line(i, 0, 1));
        }
        return lines;
    }

    private static Arbitrary<Long> timeSteps() {
        return Arbitraries.frequencyOf(
                of(6, Arbitraries.just(0L)),
                of(6, Arbitraries.longs().between(1, 3)),
                of(1, Arbitraries.longs().between(10, 200)));
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

    /** Shifts reservations, in batches too, to expire relative to {@code now}. */
    private static Command atTime(Command command, long now) {
        return switch (command) {
            case Command.Reserve r -> new Command.Reserve(r.orderId(), r.customer(), r.lines(), now + r.expiresAt());
            case Batch b -> new Batch(b.mode(), b.commands().stream().map(c -> atTime(c, now)).toList());
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
