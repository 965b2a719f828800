package dev.purestock.cli;

import dev.purestock.domain.HeldCommand;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.Order;
import dev.purestock.domain.OrderStatus;
import dev.purestock.domain.Product;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.RecoveredState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code purestock query}: answers questions about the state a journal rebuilds, now or at a point in time. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = {"Rebuilds the state as replay does (now, or at --until-seq / --until-time) and answers one "
                + "question about it: --sku S, the stock of a sku per warehouse (--warehouse W for one) and its "
                + "per-customer limit; or --order ID, an order's status and its history, every event that touched "
                + "it with its sequence and time (found by reading the journal through, one record at a time); or "
                + "--held, the commands held for later, each with its hold id, when it is due and the command.",
                "A sharded journal is asked shard by shard: a sku's warehouses are spread over the shards, and an "
                        + "order's history merged by time."})
final class QueryCommand implements Callable<Integer> {
    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Mixin
    PointInTimeOption until;

    @Option(names = "--sku", paramLabel = "SKU", description = "The sku whose stock to print.")
    Long sku;

    @Option(names = "--warehouse", paramLabel = "W", description = "With --sku: only this warehouse.")
    Integer warehouse;

    @Option(names = "--order", paramLabel = "ID", description = "The order whose status and history to print.")
    Long order;

    @Option(names = "--held", description = "Print the commands held for later, by the time they are due.")
    boolean held;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((sku != null ? 1 : 0) + (order != null ? 1 : 0) + (held ? 1 : 0) != 1) {
            throw new ParameterException(spec.commandLine(), "name one question: --sku S, --order ID or --held");
        }
        if (warehouse != null && sku == null) {
            throw new ParameterException(spec.commandLine(), "--warehouse goes with --sku");
        }
        // the store reads its keys as in range: a sku or warehouse beyond it reads another entry's value
        checkRange("--sku", sku, Limits.MAX_SKU);
        checkRange("--warehouse", warehouse == null ? null : warehouse.longValue(), Limits.MAX_WAREHOUSE);
        checkRange("--order", order, Long.MAX_VALUE);
        JournalTarget target = JournalTarget.openForReading(journal.dir, shard.index, spec);
        until.check(target, spec);
        PrintWriter err = spec.commandLine().getErr();
        List<Answer> answers = target.each(err, "query", (one, progress) -> {
            RecoveredState state = JournalRecovery.recoverUntil(one.dir(), until.sequence(), until.time(), true,
                    PrimitiveInventoryStore::new, progress);
            target.notNamedYet(one, state.notes()).forEach(note -> err.println("note: " + (target.sharded()
                    ? "shard " + one.index() + ": " : "") + note));
            return answer(one.index(), state, target.note(one).orElse(null));
        });
        Summary summary = until.describe(new Summary().put("journal", journal.dir));
        if (sku != null) {
            stock(summary, answers, target.sharded());
        } else if (held) {
            held(summary, answers, target.sharded());
        } else {
            order(summary, answers, target);
        }
        summary.print(spec.commandLine().getOut(), output.json);
        return 0;
    }

    private void checkRange(String option, Long value, long max) {
        if (value != null && (value < 0 || value > max)) {
            throw new ParameterException(spec.commandLine(), option + " must be between 0 and " + max + ", was "
                    + value);
        }
    }

    /**
     * What one shard's state says, kept small: the state itself is let go. {@code journalNote} is the newest cycle
     * file its journal left unread ({@link JournalTarget#note}), {@code null} when none.
     */
    private record Answer(int shard, String recoveredFrom, long nextSequence, Product product,
                          TreeMap<Integer, Long> positions, Order order, List<HeldCommand> held, String journalNote) {
    }

    private Answer answer(int shardIndex, RecoveredState state, String journalNote) {
        InventoryStore store = state.store();
        TreeMap<Integer, Long> positions = new TreeMap<>();
        Product product = null;
        Order found = null;
        List<HeldCommand> holds = new ArrayList<>();
        if (held) {
            store.forEachHeld(holds::add);
        } else if (sku != null) {
            product = store.product(sku);
            if (warehouse != null) {
                long available = store.available(sku, warehouse);
                if (available != InventoryState.NO_POSITION) {
                    positions.put(warehouse, available);
                }
            } else {
                store.forEachPosition((positionSku, positionWarehouse, available) -> {
                    if (positionSku == sku) {
                        positions.put(positionWarehouse, available);
                    }
                });
            }
        } else {
            found = store.order(order);
        }
        return new Answer(shardIndex, state.recoveredFrom(), state.nextSequence(), product, positions, found,
                holds, journalNote);
    }

    /** The held commands of every shard, by the time they are due, then hold id, then shard. */
    private void held(Summary summary, List<Answer> answers, boolean sharded) {
        List<Summary> holds = new ArrayList<>();
        for (Answer answer : answers) {
            for (HeldCommand one : answer.held()) {
                Summary item = new Summary().put("hold-id", one.holdId());
                if (sharded) {
                    item.put("shard", answer.shard());
                }
                holds.add(item.put("due", Instant.ofEpochMilli(one.at()).toString()).put("due-ms", one.at())
                        .put("command", CommandJson.write(one.command())));
            }
        }
        holds.sort((a, b) -> {
            int byTime = Long.compare((Long) a.get("due-ms"), (Long) b.get("due-ms"));
            return byTime != 0 ? byTime : Long.compare((Long) a.get("hold-id"), (Long) b.get("hold-id"));
        });
        summary.put("held", holds.size()).putList("holds", holds);
        putRecovered(summary, answers, sharded);
    }

    private void stock(Summary summary, List<Answer> answers, boolean sharded) {
        Product product = answers.stream().map(Answer::product).filter(p -> p != null).findFirst().orElse(null);
        summary.put("sku", sku).put("listed", product != null)
                .put("per-customer-limit", product != null ? product.perCustomerLimit() : null)
                .put("counts-customers", product != null ? product.countsCustomers() : null);
        List<Summary> warehouses = new ArrayList<>();
        long total = 0;
        for (Answer answer : answers) {
            for (var position : answer.positions().entrySet()) {
                Summary one = new Summary().put("warehouse", position.getKey());
                if (sharded) {
                    one.put("shard", answer.shard());
                }
                warehouses.add(one.put("available", position.getValue()));
                total += position.getValue();
            }
        }
        warehouses.sort((a, b) -> Integer.compare((Integer) a.get("warehouse"), (Integer) b.get("warehouse")));
        summary.put("available", total).putList("warehouses", warehouses);
        putRecovered(summary, answers, sharded);
    }

    private void order(Summary summary, List<Answer> answers, JournalTarget target) {
        Answer holding = answers.stream().filter(a -> a.order() != null).findFirst().orElse(null);
        List<Summary> history = history(target);
        // a rejection or a repeat changes nothing: the order is what the last event that changed it left
        Summary lastChange = history.stream().filter(event -> event.get("reason") == null
                && !"AlreadyApplied".equals(event.get("event"))).reduce((first, second) -> second).orElse(null);
        String status;
        if (holding != null) {
            status = holding.order().status().name();
        } else if (lastChange != null && "OrderForgotten".equals(lastChange.get("event"))) {
            status = "FORGOTTEN";
        } else if (!history.isEmpty() && history.stream().allMatch(event -> event.get("reason") != null)) {
            status = "REJECTED";
        } else {
            status = "UNKNOWN";
        }
        summary.put("order", order).put("status", status);
        if (holding != null) {
            Order held = holding.order();
            if (target.sharded()) {
                summary.put("shard", holding.shard());
            }
            summary.put("customer", held.customer()).put("lines", lines(held.lines()));
            if (held.status() == OrderStatus.RESERVED) {
                summary.put("expires-at", Instant.ofEpochMilli(held.expiresAt()).toString());
            }
        }
        // a row per line: an event of several lines counts once
        long events = history.stream()
                .map(row -> row.get("shard") + "/" + row.get("seq") + "/" + row.get("event-index")).distinct().count();
        summary.put("events", events).putList("history", history);
        putRecovered(summary, answers, target.sharded());
    }

    private static String lines(List<Line> lines) {
        StringBuilder text = new StringBuilder();
        for (Line line : lines) {
            text.append(text.isEmpty() ? "" : " ").append(line.quantity()).append("x").append(line.sku()).append("@")
                    .append(line.warehouse());
        }
        return text.toString();
    }

    private static void putRecovered(Summary summary, List<Answer> answers, boolean sharded) {
        if (sharded) {
            List<Summary> shards = new ArrayList<>();
            for (Answer answer : answers) {
                Summary one = new Summary().put("shard", answer.shard())
                        .put("recovered-from", answer.recoveredFrom()).put("next-sequence", answer.nextSequence());
                if (answer.journalNote() != null) {
                    one.put("journal-note", answer.journalNote());
                }
                shards.add(one);
            }
            summary.putShards(shards);
        } else {
            summary.put("recovered-from", answers.getFirst().recoveredFrom())
                    .put("next-sequence", answers.getFirst().nextSequence());
            if (answers.getFirst().journalNote() != null) {
                summary.put("journal-note", answers.getFirst().journalNote());
            }
        }
    }

    /**
     * Every event row ({@link EventRows}) of the order, up to the point in time, in time order over the shards:
     * the journal is read through once, one record at a time, keeping only the order's rows.
     */
    private List<Summary> history(JournalTarget target) {
        List<Summary> history = new ArrayList<>();
        EventRows.Reader rows = new EventRows.Reader();
        MergedShards.read(target.shards(), target.sharded(), MergedShards.checked(journal.dir), item -> {
            JournalRecord record = item.record();
            if (record.sequence() > until.sequence() || record.time() > until.time()) {
                return false;
            }
            rows.rows(item.shard(), record, row -> {
                if (row[EventRows.ORDER_ID] instanceof Long id && id == order.longValue()) {
                    Summary event = new Summary();
                    for (int i = 0; i < row.length; i++) {
                        String column = EventRows.COLUMNS.get(i);
                        if (row[i] != null && (target.sharded() || !column.equals("shard"))
                                && !column.equals("order_id")) {
                            event.put(column.replace('_', '-'), row[i]);
                        }
                    }
                    history.add(event);
                }
            });
            return true;
        });
        return history;
    }
}
