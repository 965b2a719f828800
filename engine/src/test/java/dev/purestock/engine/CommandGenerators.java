package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.List;

/**
 * Command sequences over a few skus, warehouses, customers and ids, so that commands collide: repeats,
 * reused ids, sell-outs, limits, reservations that expire. Times are generated alongside.
 */
final class CommandGenerators {
    private CommandGenerators() {
    }

    static Arbitrary<List<TimedCommand>> timedSequences() {
        return Combinators.combine(commands(2), Arbitraries.longs().between(0, 50))
                .as(TimedCommand::new)
                .list().ofMinSize(1).ofMaxSize(120);
    }

    static Arbitrary<Command> commands(int depth) {
        Arbitrary<Long> sku = Arbitraries.longs().between(1, 3);
        Arbitrary<Integer> warehouse = Arbitraries.integers().between(0, 2);
        Arbitrary<Long> customer = Arbitraries.longs().between(0, 3);
        Arbitrary<Long> orderId = Arbitraries.longs().between(1, 12);
        Arbitrary<Long> movementId = Arbitraries.longs().between(1, 8);
        Arbitrary<Long> quantity = Arbitraries.longs().between(-1, 6);
        Arbitrary<Line> line = Combinators.combine(sku, warehouse, quantity).as(Line::new);
        Arbitrary<List<Line>> lines = line.list().ofMinSize(0).ofMaxSize(3);

        Arbitrary<Command> list = Combinators.combine(sku, Arbitraries.longs().between(0, 4))
                .as(Command.ListProduct::new);
        Arbitrary<Command> receive = Combinators.combine(movementId, sku, warehouse, Arbitraries.longs().between(0, 20))
                .as(Command.ReceiveStock::new);
        Arbitrary<Command> writeOff = Combinators.combine(movementId, sku, warehouse, quantity)
                .as(Command.WriteOffStock::new);
        Arbitrary<Command> purchase = Combinators.combine(orderId, customer, sku, warehouse, quantity)
                .as(Command.Purchase::new);
        Arbitrary<Command> placeOrder = Combinators.combine(orderId, customer, lines).as(Command.PlaceOrder::new);
        Arbitrary<Command> cancel = orderId.map(Command.CancelPurchase::new);
        Arbitrary<Command> reserve = Combinators.combine(orderId, customer, lines, Arbitraries.longs().between(0, 60))
                .as(Command.Reserve::new);
        Arbitrary<Command> confirm = orderId.map(Command.ConfirmReservation::new);
        Arbitrary<Command> release = orderId.map(Command.ReleaseReservation::new);
        Arbitrary<Command> expire = Arbitraries.just(new Command.ExpireReservations());

        Arbitrary<Command> leaf = Arbitraries.frequencyOf(
                Tuple.of(2, list), Tuple.of(4, receive),
                Tuple.of(1, writeOff), Tuple.of(6, purchase),
                Tuple.of(3, placeOrder), Tuple.of(2, cancel),
                Tuple.of(4, reserve), Tuple.of(2, confirm),
                Tuple.of(2, release), Tuple.of(2, expire));
        if (depth <= 1) {
            return leaf;
        }
        Arbitrary<Command> batch = Combinators.combine(
                        Arbitraries.of(Command.Batch.Mode.class), commands(depth - 1).list().ofMaxSize(4))
                .as(Command.Batch::new);
        return Arbitraries.frequencyOf(Tuple.of(9, leaf), Tuple.of(1, batch));
    }

    /** A command and the time step before it is decided. */
    record TimedCommand(Command command, long step) {
    }
}
