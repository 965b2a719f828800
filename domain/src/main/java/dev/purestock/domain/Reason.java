package dev.purestock.domain;

/**
 * Why the domain rejected a command: every reason {@link Inventory#decide} gives. Each reason has a stable
 * numeric {@link #code()} that journals and wire formats store; never reuse or renumber a code.
 *
 * <p>Codes 23 and 24 are taken by reasons that are not the domain's (deciding failed; the command could not be
 * routed): whoever runs the domain refuses with them, and journals hold them (see {@link RejectionReason}). A new
 * reason takes the next code after 24.
 */
public enum Reason implements RejectionReason {
    /** The sku was never listed with {@link Command.ListProduct}. */
    UNKNOWN_SKU(1, "the sku is not listed"),
    /** The sku has never received stock at that warehouse. */
    UNKNOWN_WAREHOUSE(2, "the sku has no stock position at that warehouse"),
    /** A quantity is zero, negative or above {@link Limits#MAX_QUANTITY}. */
    INVALID_QUANTITY(3, "the quantity must be between 1 and " + Limits.MAX_QUANTITY),
    /**
     * Applying the command would take a count past {@link Limits#MAX_STOCK} (a receipt, a customer's count), or a
     * cancel or release would return units to a position holding more than {@link Long#MAX_VALUE} minus them.
     */
    QUANTITY_OVERFLOW(4, "the result would exceed " + Limits.MAX_STOCK + " units, or a return "
            + Long.MAX_VALUE + " at a position"),
    /** Not enough units are available. */
    OUT_OF_STOCK(5, "not enough units are available"),
    /** The customer would hold more units of the sku than its per-customer limit allows. */
    LIMIT_EXCEEDED(6, "the per-customer limit of the sku would be exceeded"),
    /** A per-customer limit is negative or above {@link Limits#MAX_QUANTITY}. */
    INVALID_LIMIT(7, "the per-customer limit must be between 0 (none) and " + Limits.MAX_QUANTITY),
    /** No order or reservation has that id. */
    UNKNOWN_ORDER(8, "no order has that id"),
    /** The id was already used by a command with a different payload. */
    ID_REUSED(9, "the id was already used by a different command"),
    /** An order or reservation has no lines. */
    EMPTY_ORDER(10, "an order needs at least one line"),
    /** An order or reservation has more than {@link Limits#MAX_LINES} lines. */
    TOO_MANY_LINES(11, "an order may have at most " + Limits.MAX_LINES + " lines"),
    /** Two lines of one order name the same sku at the same warehouse. */
    DUPLICATE_LINE(12, "two lines name the same sku at the same warehouse"),
    /** A reservation's expiry is not after the time it is sequenced. */
    INVALID_EXPIRY(13, "the expiry must be later than the command's time"),
    /** The reservation's expiry has passed. */
    EXPIRED(14, "the reservation has expired"),
    /** The order is a purchase, not a reservation. */
    NOT_A_RESERVATION(15, "the order is not a reservation"),
    /** The reservation was confirmed already. */
    ALREADY_CONFIRMED(16, "the reservation was already confirmed"),
    /** The reservation was released already. */
    ALREADY_RELEASED(17, "the reservation was already released"),
    /** The purchase was cancelled already. */
    ALREADY_CANCELLED(18, "the purchase was already cancelled"),
    /** The order cannot be cancelled in its state: release a reservation instead. */
    NOT_CANCELLABLE(19, "only purchases and confirmed reservations can be cancelled"),
    /** A batch holds no commands. */
    EMPTY_BATCH(20, "a batch needs at least one command"),
    /**
     * A batch holds more than {@link Limits#MAX_BATCH_COMMANDS} commands in all, or would produce more than
     * {@link Limits#MAX_EVENTS_PER_COMMAND} events or {@link Limits#MAX_LINE_CHANGES_PER_COMMAND} line changes.
     */
    BATCH_TOO_LARGE(21, "a batch may hold at most " + Limits.MAX_BATCH_COMMANDS
            + " commands in all and produce at most " + Limits.MAX_EVENTS_PER_COMMAND + " events and "
            + Limits.MAX_LINE_CHANGES_PER_COMMAND + " line changes"),
    /** Batches nest deeper than {@link Limits#MAX_BATCH_DEPTH}. */
    BATCH_TOO_DEEP(22, "batches may nest at most " + Limits.MAX_BATCH_DEPTH + " deep"),
    /** {@link Command.CancelHold} named no held command: never held, already decided, or already cancelled. */
    UNKNOWN_HOLD(25, "no command is held under that hold id"),
    /**
     * {@link Command.Hold} of a command that cannot be held: a hold, a cancel of one or the time command, alone or
     * inside a batch.
     */
    NOT_HOLDABLE(26, "holds, cancels of holds and the time command cannot be held"),
    /**
     * Deciding a held command failed unexpectedly when it fell due (a fault, never a rule: {@code decide} threw).
     * The hold is released with no other effect, so the time command goes on and the shard's time keeps moving;
     * the rejection refers to the held command ({@link Command#ref()}).
     */
    HELD_COMMAND_FAILED(27, "deciding the held command failed unexpectedly; it was released and changed nothing"),
    /** {@link Command.ListProduct} with a limit for a product that counts no customers, which could not enforce it. */
    UNCOUNTED_LIMIT(28, "a product that counts no customers can have no per-customer limit"),
    /** {@link Command.ListProduct} of a listed sku with the other choice of counting customers. */
    COUNTING_FIXED(29, "whether a product counts its customers is chosen when it is first listed and cannot change");

    private static final Reason[] BY_CODE = new Reason[32];

    static {
        for (Reason reason : values()) {
            BY_CODE[reason.code] = reason;
        }
    }

    private final int code;
    private final String description;

    Reason(int code, String description) {
        this.code = code;
        this.description = description;
    }

    /** The stable numeric code of this reason. */
    @Override
    public int code() {
        return code;
    }

    /** A sentence a person can read. */
    @Override
    public String description() {
        return description;
    }

    /**
     * The reason with that code.
     *
     * @throws IllegalArgumentException when no reason has that code
     */
    public static Reason ofCode(int code) {
        Reason reason = findByCode(code);
        if (reason == null) {
            throw new IllegalArgumentException("no rejection reason of the domain has code " + code);
        }
        return reason;
    }

    /** The reason with that code, or {@code null} when the domain has none (a reason from outside it). */
    public static Reason findByCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
