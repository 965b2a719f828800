package dev.purestock.engine;

import dev.purestock.domain.Command;

/**
 * A read-only view of the command in a ring slot, as a {@link DurabilityStage} receives it. A command arrives
 * in one of two {@link Form}s: as the {@link Command} record a caller passed to {@code submit} and
 * {@code trySubmit} ({@link Form#RECORD}), or as the fields that {@link PurestockEngine#submitPurchase} and its
 * siblings wrote into the slot without building a record (the other forms). A stage that can work from the
 * fields (the journal encodes them to the same bytes as the record) reads them through the accessors and
 * builds nothing; any stage may call {@link #toCommand()} for the record.
 *
 * <p><b>Valid only during the call it is passed to</b>, and only on that thread: the engine reuses the slot
 * for a later command once every stage has passed it. Copy what you need to keep, or keep {@link #toCommand()}.
 */
public interface SubmittedCommand {

    /** How the command was submitted, and so which accessors it answers. */
    enum Form {
        /** A {@link Command} record of any kind: read it with {@link #toCommand()}, which builds nothing. */
        RECORD,
        /**
         * A {@link Command.Purchase}: {@link #orderId}, {@link #customer}, {@link #sku}, {@link #warehouse},
         * {@link #quantity}.
         */
        PURCHASE,
        /** A {@link Command.CancelPurchase}: {@link #orderId}. */
        CANCEL_PURCHASE,
        /** A {@link Command.ConfirmReservation}: {@link #orderId}. */
        CONFIRM_RESERVATION,
        /** A {@link Command.ReleaseReservation}: {@link #orderId}. */
        RELEASE_RESERVATION
    }

    /** How the command was submitted. */
    Form form();

    /**
     * The order id, for every form but {@link Form#RECORD}.
     *
     * @throws IllegalStateException for {@link Form#RECORD} (read the record)
     */
    long orderId();

    /**
     * The customer of a {@link Form#PURCHASE}.
     *
     * @throws IllegalStateException for any other form
     */
    long customer();

    /**
     * The sku of a {@link Form#PURCHASE}.
     *
     * @throws IllegalStateException for any other form
     */
    long sku();

    /**
     * The warehouse of a {@link Form#PURCHASE}.
     *
     * @throws IllegalStateException for any other form
     */
    int warehouse();

    /**
     * The quantity of a {@link Form#PURCHASE}.
     *
     * @throws IllegalStateException for any other form
     */
    long quantity();

    /**
     * The command as a record: for {@link Form#RECORD} the record that was submitted, otherwise a new record
     * with these fields (equal to the record the caller would have passed to {@code submit}), built on each call.
     */
    Command toCommand();
}
