package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.Line;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.RejectionReason;
import dev.purestock.journal.JournalRecord;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A journal record's events as flat rows, one fixed set of columns for every kind of event, a cell empty
 * ({@code null}) where an event has no such field: what {@code export} writes and {@code query --order} lists.
 * An event about an order's lines (accepted, reserved, released, expired or cancelled, or the rejection of
 * a purchase, an order or a reservation) gives one row per line, numbered from 0 in {@code line}; every other
 * event one row, {@code line} empty. A rejection's row carries what the rejected command asked for (order,
 * customer, sku, warehouse, quantity), taken from the command, so that rejections count per sku.
 *
 * <p>Commands held for later: a {@code CommandHeld} row carries the hold's id, when it is due and the held
 * command's type; {@code HoldCancelled} and {@code HoldReleased} carry the hold's id, and so does every row of the
 * events that decide a released command (its one event, or a held batch's up to the next {@code HoldReleased} or
 * {@code ReservationExpired}), so that a held command's outcome is found by its hold id.
 */
final class EventRows {
    /** The columns, in order; docs/cli.md describes each. */
    static final List<String> COLUMNS = List.of("shard", "seq", "time", "time_ms", "command", "event",
            "event_index", "line", "order_id", "customer", "sku", "warehouse", "quantity", "available_after",
            "customer_units_after", "expires_at", "movement_id", "per_customer_limit", "reason_code", "reason",
            "ref", "hold_id", "held_until", "held_command", "counts_customers");

    /** ISO-8601 in UTC, always with milliseconds ({@link Instant#toString()} leaves them out on a whole second). */
    private static final DateTimeFormatter TIME_FORMAT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);
    private static final int SHARD = 0;
    private static final int SEQ = 1;
    private static final int TIME = 2;
    private static final int TIME_MS = 3;
    private static final int COMMAND = 4;
    private static final int EVENT = 5;
    private static final int EVENT_INDEX = 6;
    private static final int LINE = 7;
    /** The column of the order id, which {@code query --order} matches. */
    static final int ORDER_ID = 8;
    private static final int CUSTOMER = 9;
    private static final int SKU = 10;
    private static final int WAREHOUSE = 11;
    private static final int QUANTITY = 12;
    private static final int AVAILABLE_AFTER = 13;
    private static final int CUSTOMER_UNITS_AFTER = 14;
    private static final int EXPIRES_AT = 15;
    private static final int MOVEMENT_ID = 16;
    private static final int PER_CUSTOMER_LIMIT = 17;
    private static final int REASON_CODE = 18;
    private static final int REASON = 19;
    private static final int REF = 20;
    private static final int HOLD_ID = 21;
    private static final int HELD_UNTIL = 22;
    private static final int HELD_COMMAND = 23;
    private static final int COUNTS_CUSTOMERS = 24;

    private EventRows() {
    }

    /** Receives rows. */
    @FunctionalInterface
    interface Sink {
        /** One row: a value per {@link #COLUMNS column}, {@code null} for an empty cell; the array is the sink's. */
        void row(Object[] values);
    }

    /**
     * Rows of records read in journal order. It remembers each held command from its {@code CommandHeld} until it is
     * released or cancelled, so that the rejection or repeat of a held command when it falls due (in a time
     * command's record, which does not hold it) carries what that command asked for; a hold made before the first
     * record read is not known, and its rows carry the hold id and ref alone.
     */
    static final class Reader {
        private final Map<HoldKey, Command> held = new HashMap<>();

        /** Hands each row of {@code record}'s events, in order, to {@code sink}. */
        void rows(int shard, JournalRecord record, Sink sink) {
            List<Event> events = record.events();
            Command[] members = record.command() instanceof Command.Batch batch ? align(batch, events) : null;
            Long released = null;
            Command releasedCommand = null;
            // events left of a released held command that is no batch: it answers with exactly one; -1: not known
            int releasedLeft = -1;
            for (int i = 0; i < events.size(); i++) {
                if (releasedLeft == 0) {
                    // its one event is done: what follows is another member's, in a batch holding the time command
                    released = null;
                    releasedCommand = null;
                    releasedLeft = -1;
                }
                Object[] base = new Object[COLUMNS.size()];
                base[SHARD] = shard;
                base[SEQ] = record.sequence();
                base[TIME] = TIME_FORMAT.format(Instant.ofEpochMilli(record.time()));
                base[TIME_MS] = record.time();
                base[COMMAND] = record.command().getClass().getSimpleName();
                base[EVENT_INDEX] = i;
                Event event = events.get(i);
                base[EVENT] = event.getClass().getSimpleName();
                switch (event) {
                    case Event.HoldReleased e -> {
                        released = e.holdId();
                        releasedCommand = held.remove(new HoldKey(shard, e.holdId()));
                        releasedLeft = releasedCommand == null || releasedCommand instanceof Command.Batch ? -1 : 2;
                    }
                    case Event.ReservationExpired e -> {
                        released = null;
                        releasedCommand = null;
                        releasedLeft = -1;
                    }
                    default -> remember(shard, event);
                }
                if (releasedLeft > 0) {
                    releasedLeft--;
                }
                base[HOLD_ID] = released;
                // what an event about a ref is about: the held command being released, the batch member the event
                // came from, or the record's command
                Command about = released != null ? releasedCommand
                        : members != null && members[i] != null ? members[i] : record.command();
                event(about, event, base, sink);
            }
        }

        /** Reads a record whose rows are not wanted (before an export's {@code --since}) for the holds it makes. */
        void remember(int shard, JournalRecord record) {
            for (Event event : record.events()) {
                if (event instanceof Event.HoldReleased e) {
                    held.remove(new HoldKey(shard, e.holdId()));
                } else {
                    remember(shard, event);
                }
            }
        }

        /** Keeps a held command from its {@code CommandHeld}, and lets one go at its {@code HoldCancelled}. */
        private void remember(int shard, Event event) {
            if (event instanceof Event.CommandHeld e) {
                held.put(new HoldKey(shard, e.holdId()), e.command());
            } else if (event instanceof Event.HoldCancelled e) {
                held.remove(new HoldKey(shard, e.holdId()));
            }
        }
    }

    /** A hold id on its shard. */
    private record HoldKey(int shard, long holdId) {
    }

    /**
     * The member of {@code batch} each of {@code events} came from, or null when they cannot be told apart. A
     * member that is not a batch answers with one event (accepted, repeated or rejected); a batch answers with its
     * members' events, or with one when it is answered whole (an atomic batch aborted, a batch too large); a time
     * command answers with as many as fell due, which the record does not say, so a batch holding one is not
     * aligned (its rejections are matched by their ref instead).
     */
    static Command[] align(Command.Batch batch, List<Event> events) {
        Command[] members = new Command[events.size()];
        if (events.size() == 1 && answeredWhole(batch, events.get(0))) {
            members[0] = batch;
            return members;
        }
        return alignMembers(batch, events, 0, members) == events.size() ? members : null;
    }

    private static int alignMembers(Command.Batch batch, List<Event> events, int from, Command[] members) {
        int at = from;
        for (Command member : batch.commands()) {
            if (at < 0 || member instanceof Command.ExpireReservations) {
                return -1;
            }
            if (member instanceof Command.Batch nested) {
                if (at < events.size() && answeredWhole(nested, events.get(at))) {
                    members[at++] = nested;
                } else {
                    at = alignMembers(nested, events, at, members);
                }
            } else if (at < events.size()) {
                members[at++] = member;
            } else {
                return -1;
            }
        }
        return at;
    }

    /** Whether {@code event} answers {@code batch} as a whole: its abort, or its rejection (too large). */
    private static boolean answeredWhole(Command.Batch batch, Event event) {
        return event instanceof Event.BatchAborted && batch.mode() == Command.Batch.Mode.ATOMIC
                || event instanceof Event.Rejected r && r.ref() == batch.ref();
    }

    private static void event(Command command, Event event, Object[] base, Sink sink) {
        switch (event) {
            case Event.ProductListed e -> {
                base[SKU] = e.sku();
                base[PER_CUSTOMER_LIMIT] = e.perCustomerLimit();
                base[COUNTS_CUSTOMERS] = e.countsCustomers();
                sink.row(base);
            }
            case Event.StockReceived e -> sink.row(movement(base, e.movementId(), e.sku(), e.warehouse(),
                    e.quantity(), e.available()));
            case Event.StockWrittenOff e -> sink.row(movement(base, e.movementId(), e.sku(), e.warehouse(),
                    e.quantity(), e.available()));
            case Event.PurchaseAccepted e -> changes(order(base, e.orderId(), e.customer()), e.lines(), sink);
            case Event.StockReserved e -> {
                base[EXPIRES_AT] = e.expiresAt();
                changes(order(base, e.orderId(), e.customer()), e.lines(), sink);
            }
            case Event.ReservationConfirmed e -> sink.row(order(base, e.orderId(), null));
            case Event.ReservationReleased e -> changes(order(base, e.orderId(), null), e.lines(), sink);
            case Event.ReservationExpired e -> changes(order(base, e.orderId(), null), e.lines(), sink);
            case Event.PurchaseCancelled e -> changes(order(base, e.orderId(), null), e.lines(), sink);
            case Event.OrderForgotten e -> sink.row(order(base, e.orderId(), null));
            case Event.CommandHeld e -> sink.row(hold(base, e.holdId(), e.at(), e.command()));
            case Event.HoldReleased e -> sink.row(base);
            case Event.HoldCancelled e -> {
                base[HOLD_ID] = e.holdId();
                sink.row(base);
            }
            case Event.AlreadyApplied e -> {
                base[REF] = e.id();
                Command subject = subject(command, e.id(), -1);
                if (subject != null && isOrderCommand(subject)) {
                    base[ORDER_ID] = e.id();
                } else if (subject instanceof Command.Hold c) {
                    hold(base, c.holdId(), c.at(), c.command());
                }
                sink.row(base);
            }
            case Event.Rejected e -> rejection(base, e.reason(), e.ref(), subject(command, e.ref(), -1), sink);
            case Event.BatchAborted e -> rejection(base, e.reason(), e.ref(), subject(command, e.ref(), e.index()),
                    sink);
        }
    }

    private static Object[] hold(Object[] row, long holdId, long at, Command held) {
        row[HOLD_ID] = holdId;
        row[HELD_UNTIL] = at;
        row[HELD_COMMAND] = held.getClass().getSimpleName();
        return row;
    }

    private static Object[] order(Object[] row, long orderId, Long customer) {
        row[ORDER_ID] = orderId;
        row[CUSTOMER] = customer;
        return row;
    }

    private static void changes(Object[] base, List<LineChange> lines, Sink sink) {
        if (lines.isEmpty()) {
            sink.row(base);
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            LineChange change = lines.get(i);
            Object[] row = base.clone();
            row[LINE] = i;
            row[SKU] = change.sku();
            row[WAREHOUSE] = change.warehouse();
            row[QUANTITY] = change.quantity();
            row[AVAILABLE_AFTER] = change.available();
            // a product that counts no customers has no count to show
            long units = change.customerUnits();
            row[CUSTOMER_UNITS_AFTER] = units == LineChange.NOT_COUNTED ? null : units;
            sink.row(row);
        }
    }

    private static void rejection(Object[] base, RejectionReason reason, long ref, Command subject, Sink sink) {
        base[REASON_CODE] = reason.code();
        base[REASON] = reason.name();
        base[REF] = ref;
        switch (subject) {
            case Command.Purchase c -> {
                order(base, c.orderId(), c.customer());
                lines(base, List.of(c.line()), sink);
            }
            case Command.PlaceOrder c -> lines(order(base, c.orderId(), c.customer()), c.lines(), sink);
            case Command.Reserve c -> {
                base[EXPIRES_AT] = c.expiresAt();
                lines(order(base, c.orderId(), c.customer()), c.lines(), sink);
            }
            case Command.CancelPurchase c -> sink.row(order(base, c.orderId(), null));
            case Command.ConfirmReservation c -> sink.row(order(base, c.orderId(), null));
            case Command.ReleaseReservation c -> sink.row(order(base, c.orderId(), null));
            case Command.ReceiveStock c -> sink.row(movement(base, c.movementId(), c.sku(), c.warehouse(),
                    c.quantity(), null));
            case Command.WriteOffStock c -> sink.row(movement(base, c.movementId(), c.sku(), c.warehouse(),
                    c.quantity(), null));
            case Command.ListProduct c -> {
                base[SKU] = c.sku();
                base[PER_CUSTOMER_LIMIT] = c.perCustomerLimit();
                base[COUNTS_CUSTOMERS] = c.countsCustomers();
                sink.row(base);
            }
            case Command.Hold c -> sink.row(hold(base, c.holdId(), c.at(), c.command()));
            case Command.CancelHold c -> {
                base[HOLD_ID] = c.holdId();
                sink.row(base);
            }
            case null, default -> sink.row(base);
        }
    }

    private static Object[] movement(Object[] row, long movementId, long sku, int warehouse, long quantity,
                                     Long available) {
        row[MOVEMENT_ID] = movementId;
        row[SKU] = sku;
        row[WAREHOUSE] = warehouse;
        row[QUANTITY] = quantity;
        row[AVAILABLE_AFTER] = available;
        return row;
    }

    /** One row per line a rejected order asked for. */
    private static void lines(Object[] base, List<Line> lines, Sink sink) {
        if (lines.isEmpty()) {
            sink.row(base);
            return;
        }
        for (int i = 0; i < lines.size(); i++) {
            Line line = lines.get(i);
            Object[] row = base.clone();
            row[LINE] = i;
            row[SKU] = line.sku();
            row[WAREHOUSE] = line.warehouse();
            row[QUANTITY] = line.quantity();
            sink.row(row);
        }
    }

    /**
     * The command an event about {@code ref} is about: the command itself, or in a batch the member at
     * {@code index} ({@code -1}: unknown), else the first member, at any depth, whose {@link Command#ref()} is
     * {@code ref}; {@code null} when none is (or {@code command} is).
     */
    private static Command subject(Command command, long ref, int index) {
        if (command == null) {
            return null;
        }
        if (!(command instanceof Command.Batch batch)) {
            return command.ref() == ref ? command : null;
        }
        if (index >= 0 && index < batch.commands().size()) {
            Command member = subject(batch.commands().get(index), ref, -1);
            if (member != null) {
                return member;
            }
        }
        for (Command member : batch.commands()) {
            Command found = subject(member, ref, -1);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    private static boolean isOrderCommand(Command command) {
        return command instanceof Command.Purchase || command instanceof Command.PlaceOrder
                || command instanceof Command.Reserve || command instanceof Command.CancelPurchase
                || command instanceof Command.ConfirmReservation || command instanceof Command.ReleaseReservation;
    }
}
