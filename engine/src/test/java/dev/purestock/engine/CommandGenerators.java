package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import java.util.List;
import java.util.stream.Collectors;

import static dev.purestock.domain.testing.InventoryGenerators.frequency;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Command sequences over a few skus, warehouses, customers and ids, so that commands collide: repeats,
 * reused ids, sell-outs, limits, reservations that expire. Times are generated alongside. A failing sequence
 * is shrunk and reported one command per line.
 */
final class CommandGenerators {
    private CommandGenerators() {
    }

    static Gen<List<TimedCommand>> timedSequences() {
        return lists().of(commands(2).zip(longs().between(0, 50), TimedCommand::new)).ofSizeBetween(1, 120)
                .describedAs(CommandGenerators::describe);
    }

    static Gen<Command> commands(int depth) {
        Gen<Long> sku = longs().between(1, 3);
        Gen<Integer> warehouse = integers().between(0, 2);
        Gen<Long> customer = longs().between(0, 3);
        Gen<Long> orderId = longs().between(1, 12);
        Gen<Long> movementId = longs().between(1, 8);
        Gen<Long> quantity = longs().between(-1, 6);
        Gen<Line> line = sku.zip(warehouse, quantity, Line::new);
        Gen<List<Line>> lines = lists().of(line).ofSizeBetween(0, 3);

        Gen<Command> list = sku.zip(longs().between(0, 4), integers().between(0, 3).map(i -> i > 0),
                Command.ListProduct::new);
        Gen<Command> receive = movementId.zip(sku, warehouse, longs().between(0, 20), Command.ReceiveStock::new);
        Gen<Command> writeOff = movementId.zip(sku, warehouse, quantity, Command.WriteOffStock::new);
        Gen<Command> purchase = orderId.zip(customer, sku, warehouse, quantity, Command.Purchase::new);
        Gen<Command> placeOrder = orderId.zip(customer, lines, Command.PlaceOrder::new);
        Gen<Command> cancel = orderId.map(Command.CancelPurchase::new);
        Gen<Command> reserve = orderId.zip(customer, lines, longs().between(0, 60), Command.Reserve::new);
        Gen<Command> confirm = orderId.map(Command.ConfirmReservation::new);
        Gen<Command> release = orderId.map(Command.ReleaseReservation::new);
        Gen<Command> expire = Generate.constant(new Command.ExpireReservations());

        Gen<Command> leaf = frequency(List.of(
                Pair.of(2, list), Pair.of(4, receive),
                Pair.of(1, writeOff), Pair.of(6, purchase),
                Pair.of(3, placeOrder), Pair.of(2, cancel),
                Pair.of(4, reserve), Pair.of(2, confirm),
                Pair.of(2, release), Pair.of(2, expire)));
        if (depth <= 1) {
            return leaf;
        }
        Gen<Command> batch = Generate.enumValues(Command.Batch.Mode.class)
                .zip(lists().of(commands(depth - 1)).ofSizeBetween(0, 4), Command.Batch::new);
        return frequency(List.of(Pair.of(9, leaf), Pair.of(1, batch)));
    }

    private static String describe(List<TimedCommand> sequence) {
        return sequence.stream().map(TimedCommand::toString)
                .collect(Collectors.joining("\n  ", sequence.size() + " commands:\n  ", ""));
    }

    /** A command and the time step before it is decided. */
    record TimedCommand(Command command, long step) {
        @Override
        public String toString() {
            return "+" + step + " " + command;
        }
    }
}
