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
     * the order id of an order command, the movement id of a stock movement, the sku of a listing, the hold id
     * of a hold or its cancel, and {@code -1} for the time command and a batch (a batch's member's rejection is
     * in its {@link Event.BatchAborted}).
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
            case Hold c -> c.holdId();
            case CancelHold c -> c.holdId();
        };
    }

    /**
     * Lists {@code sku} for sale, or changes its per-customer limit. {@code perCustomerLimit} is the most
     * units one customer may hold of the sku at once; {@code 0} means no limit. Listing again only changes
     * the limit; customers already above a lowered limit keep what they have.
     *
     * <p>{@code countsCustomers} says whether the state keeps each customer's units of the sku. A product that
     * counts them can take a limit at any time, and the limit then weighs what was bought before it. One that
     * does not ({@link #uncounted}) has no limit and can never take one, and its purchases, reservations and
     * cancels neither read nor write a customer's count: a sale of unlimited products then keeps no entry per
     * customer and sku, and each purchase reads one table less. The choice is made when the sku is first listed;
     * listing it again with the other choice is rejected ({@link Reason#COUNTING_FIXED}).
     */
    record ListProduct(long sku, long perCustomerLimit, boolean countsCustomers) implements Command {
        public ListProduct {
            Limits.sku(sku);
        }

        /** Lists {@code sku}, or changes its limit, counting each customer's units: the listing before the choice. */
        public ListProduct(long sku, long perCustomerLimit) {
            this(sku, perCustomerLimit, true);
        }

        /** Lists {@code sku} with no per-customer limit, ever, and no count of what each customer holds. */
        public static ListProduct uncounted(long sku) {
            return new ListProduct(sku, 0, false);
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
     * nothing if any line cannot be held. Held units count against per-customer limits. An {@code expiresAt} of
     * {@link Long#MAX_VALUE} is also {@link NextDue#NEVER}, see there: whoever sends time commands by it, as the
     * engine's timer does, never sends one for this reservation.
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
     * {@link Limits#MAX_FORGOTTEN_PER_COMMAND} of them (a live reservation is never forgotten). Then it goes
     * through what has fallen due at or before the command's time, oldest first: the reservations whose expiry
     * has come, which expire (at most {@link Limits#MAX_EXPIRIES_PER_COMMAND} of them), and the commands held for
     * that time ({@link Hold}), each decided as the member of an independent batch would be, after an
     * {@link Event.HoldReleased}, and as at its own time: a held confirmation of a reservation that expires later
     * is in time even when the time command comes after the expiry. At most {@link Limits#MAX_RELEASED_PER_COMMAND}
     * held commands are decided per time command. A reservation and a held command due at the same time: the
     * reservation expires first, since it was held until then and no longer.
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
     * Holds {@code command} until {@code at}, on the sequencing clock: the first time command at or after
     * {@code at} decides it ({@link ExpireReservations}), as a part of the journaled time command, so a replay
     * reproduces it exactly. Until then {@link CancelHold} with the same {@code holdId} takes it back. Holding
     * again with the id of a command still held changes nothing when it is the same hold (same time, same
     * command) and is rejected with {@link Reason#ID_REUSED} otherwise; once the held command was decided or
     * cancelled, the id is free again. A hold, a cancel of one and the time command cannot be held
     * ({@link Reason#NOT_HOLDABLE}), nor can a batch that is not well formed (its own reason). A held batch is
     * checked on its own, as if it came alone: its commands counted against {@link Limits#MAX_BATCH_COMMANDS} and
     * its depth against {@link Limits#MAX_BATCH_DEPTH} from 1, while the hold is one command, at its own depth, of
     * any batch it is in. An engine may bound more: purestock's engine refuses at intake a command whose held
     * batches have more than {@code MAX_BATCH_COMMANDS} commands in all (see {@link Limits#MAX_BATCH_COMMANDS}). A
     * time at or before the hold's own time is allowed: the command is due at once.
     *
     * @param holdId  the id that names the hold, for {@link CancelHold}
     * @param at      when the command is due, in the units of the sequencing clock (epoch milliseconds on the
     *                engine's); {@link Long#MAX_VALUE} is also {@link NextDue#NEVER}, see there
     * @param command the command to decide then
     */
    record Hold(long holdId, long at, Command command) implements Command {
        public Hold {
            Limits.id("hold id", holdId);
            Objects.requireNonNull(command, "command");
        }
    }

    /** Takes back the command held under {@code holdId} before it is due; {@link Reason#UNKNOWN_HOLD} if none is. */
    record CancelHold(long holdId) implements Command {
        public CancelHold {
            Limits.id("hold id", holdId);
        }
    }

    /**
     * Several commands decided in order, each seeing what the previous ones did. An {@link Mode#ATOMIC}
     * batch applies all of them or, if any is rejected, none; an {@link Mode#INDEPENDENT} batch applies
     * each that succeeds. Batches may nest up to {@link Limits#MAX_BATCH_DEPTH} deep and hold at most
     * {@link Limits#MAX_BATCH_COMMANDS} commands in all. A {@link Hold} member is one command of its batch, whatever
     * it holds; a batch it holds is checked on its own, when the hold is decided (see {@link Hold}).
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
