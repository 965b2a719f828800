package dev.purestock.domain;

import java.util.List;
import java.util.Objects;

/**
 * What a caller asks of the inventory. Commands are plain values: they carry every id and fact the
 * decision needs, and the time is stamped by whoever sequences them.
 *
 * <p>Construction refuses only what cannot name anything: a null field, or an id outside its range (see
 * {@link Limits}). Everything else, a zero quantity included, is a legal question that
 * {@link Inventory#decide} answers, with a {@link Event.Rejected} when the answer is no.
 */
public sealed interface Command {

    /**
     * What a rejection of this command refers to, the {@link Event.Rejected#ref()} of every rejection of it:
     * the order id of an order command, the movement id of a stock movement, the sku of a listing, and
     * {@code -1} for the time command and a batch (a batch's member's rejection is in its
     * {@link Event.BatchAborted}).
     */
    default long ref() {
        return switch (this) {
            case ListProduct c -> c.sku();
            case ReceiveStock c -> c.movementId();
            case WriteOffStock c -> c.movementId();
            case Purchase c -> c.orderId();
            case PlaceOrder c -> c.orderId();
            case CancelPurchase c -> c.orderId();
            case Reserve c -> c.orderId();
            case ConfirmReservation c -> c.orderId();
            case ReleaseReservation c -> c.orderId();
            case ExpireReservations c -> -1;
            case Batch c -> -1;
        };
    }

    /**
     * Lists {@code sku} for sale, or changes its per-customer limit. {@code perCustomerLimit} is the most
     * units one customer may hold of the sku at once; {@code 0} means no limit. Listing again only changes
     * the limit; customers already above a lowered limit keep what they have.
     */
    record ListProduct(long sku, long perCustomerLimit) implements Command {
        public ListProduct {
            Limits.sku(sku);
        }
    }

    /**
     * Receives {@code quantity} units of {@code sku} at {@code warehouse}. {@code movementId} identifies the
     * receipt: receiving with the same id again changes nothing.
     */
    record ReceiveStock(long movementId, long sku, int warehouse, long quantity) implements Command {
        public ReceiveStock {
            Limits.id("movement id", movementId);
            Limits.sku(sku);
            Limits.warehouse(warehouse);
        }
    }

    /**
     * Writes off {@code quantity} available units of {@code sku} at {@code warehouse} (damaged, lost,
     * counted short). {@code movementId} identifies the write-off: repeating it changes nothing.
     */
    record WriteOffStock(long movementId, long sku, int warehouse, long quantity) implements Command {
        public WriteOffStock {
            Limits.id("movement id", movementId);
            Limits.sku(sku);
            Limits.warehouse(warehouse);
        }
    }

    /** Buys {@code quantity} units of {@code sku} from {@code warehouse} for {@code customer}. */
    record Purchase(long orderId, long customer, long sku, int warehouse, long quantity) implements Command {
        public Purchase {
            Limits.checkPurchase(orderId, customer, sku, warehouse);
        }

        /** The purchase as the single line it is. */
        public Line line() {
            return new Line(sku, warehouse, quantity);
        }
    }

    /** Buys every line for {@code customer}, or nothing if any line cannot be bought. */
    record PlaceOrder(long orderId, long customer, List<Line> lines) implements Command {
        public PlaceOrder {
            Limits.id("order id", orderId);
            Limits.customer(customer);
            lines = Limits.noNulls("lines", lines);
        }
    }

    /** Cancels a purchase (or a confirmed reservation): its units go back to stock. */
    record CancelPurchase(long orderId) implements Command {
        public CancelPurchase {
            Limits.id("order id", orderId);
        }
    }

    /**
     * Holds every line for {@code customer} until {@code expiresAt} (same clock as the sequencing time), or
     * nothing if any line cannot be held. Held units count against per-customer limits.
     */
    record Reserve(long orderId, long customer, List<Line> lines, long expiresAt) implements Command {
        public Reserve {
            Limits.id("order id", orderId);
            Limits.customer(customer);
            lines = Limits.noNulls("lines", lines);
        }
    }

    /** Turns a live reservation into a purchase. */
    record ConfirmReservation(long orderId) implements Command {
        public ConfirmReservation {
            Limits.id("order id", orderId);
        }
    }

    /** Gives up a live reservation: its units go back to stock. */
    record ReleaseReservation(long orderId) implements Command {
        public ReleaseReservation {
            Limits.id("order id", orderId);
        }
    }

    /**
     * The time command, which the engine sequences as time passes. It forgets the orders whose last change is
     * more than {@code retainOrdersFor} before the command's time, in the order of their last changes, at most
     * {@link Limits#MAX_FORGOTTEN_PER_COMMAND} of them (a live reservation is never forgotten); then it expires
     * the reservations whose expiry is at or before the command's time, oldest first, at most
     * {@link Limits#MAX_EXPIRIES_PER_COMMAND} of them.
     *
     * <p>{@code retainOrdersFor} is the retention window, in the units of the sequencing clock (milliseconds on
     * the engine's): at least {@code 1}; {@link Long#MAX_VALUE} never forgets. It travels in the command so that
     * the journal records the window each decision used, and a replay or a verification decides the same.
     *
     * @param retainOrdersFor how long after its last change an order is remembered
     */
    record ExpireReservations(long retainOrdersFor) implements Command {
        public ExpireReservations {
            if (retainOrdersFor <= 0) {
                throw new IllegalArgumentException("retainOrdersFor must be at least 1 (clock units; Long.MAX_VALUE "
                        + "never forgets), was " + retainOrdersFor);
            }
        }

        /** The time command with the default window, {@link Limits#DEFAULT_RETAIN_ORDERS_FOR} (24 hours). */
        public ExpireReservations() {
            this(Limits.DEFAULT_RETAIN_ORDERS_FOR);
        }
    }

    /**
     * Several commands decided in order, each seeing what the previous ones did. An {@link Mode#ATOMIC}
     * batch applies all of them or, if any is rejected, none; an {@link Mode#INDEPENDENT} batch applies
     * each that succeeds. Batches may nest up to {@link Limits#MAX_BATCH_DEPTH} deep and hold at most
     * {@link Limits#MAX_BATCH_COMMANDS} commands in all.
     */
    record Batch(Mode mode, List<Command> commands) implements Command {
        public Batch {
            Objects.requireNonNull(mode, "mode");
            commands = Limits.noNulls("commands", commands);
        }

        /** How a batch treats a rejected member. */
        public enum Mode {
            /** All or nothing. */
            ATOMIC,
            /** Each on its own. */
            INDEPENDENT
        }
    }
}
