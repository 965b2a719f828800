package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Line;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Deterministic mixed command streams that touch every part of the state. */
final class Workloads {
    private Workloads() {
    }

    /** Lists and stocks {@code skus} skus at warehouse 1 with a per-customer limit of 3. */
    static List<Command> setup(int skus, long stock, long firstMovementId) {
        List<Command> commands = new ArrayList<>();
        for (int sku = 1; sku <= skus; sku++) {
            commands.add(new Command.ListProduct(sku, 3));
            commands.add(new Command.ReceiveStock(firstMovementId + sku, sku, 1, stock));
        }
        return commands;
    }

    /** {@code count} commands of every kind against skus 1..{@code skus}, reproducible from {@code seed}. */
    static List<Command> mixed(int count, int skus, long seed, long firstOrderId, long now) {
        Random random = new Random(seed);
        List<Command> commands = new ArrayList<>(count);
        long orderId = firstOrderId;
        for (int i = 0; i < count; i++) {
            long customer = 1 + random.nextInt(50);
            long sku = 1 + random.nextInt(skus);
            long previous = orderId - 1 - random.nextInt((int) Math.min(20, Math.max(1, orderId - firstOrderId)));
            Command command = switch (random.nextInt(10)) {
                case 0, 1, 2 -> new Command.Purchase(orderId++, customer, sku, 1, 1 + random.nextInt(2));
                case 3 -> new Command.PlaceOrder(orderId++, customer, List.of(new Line(sku, 1, 1),
                        new Line(1 + (sku % skus), 1, 1)));
                case 4 -> new Command.Reserve(orderId++, customer, List.of(new Line(sku, 1, 1)),
                        now + 5 + random.nextInt(200));
                case 5 -> new Command.ConfirmReservation(previous);
                case 6 -> new Command.CancelPurchase(previous);
                case 7 -> new Command.ExpireReservations();
                case 8 -> new Command.Batch(random.nextBoolean() ? Command.Batch.Mode.ATOMIC
                        : Command.Batch.Mode.INDEPENDENT, List.of(
                        new Command.Purchase(orderId++, customer, sku, 1, 1),
                        new Command.ReleaseReservation(previous)));
                default -> new Command.ReceiveStock(1_000_000 + orderId++, sku, 1, 1 + random.nextInt(3));
            };
            commands.add(command);
        }
        return commands;
    }
}
