package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;

import java.util.concurrent.CompletableFuture;

/**
 * One preallocated, reused ring slot. What the submitter writes ({@link Request}) and what the stages
 * write ({@link Decision}) live in separate parts, so no stage overwrites its input. The completion stage
 * clears both parts, so a slot keeps no command or callback alive once answered; its event buffer stays, empty,
 * for the next command. A command is held as its record or, for the fixed-shape commands submitted through the
 * garbage-free submit methods, as its fields ({@link Request}).
 */
final class CommandSlot {
    /**
     * What one slot holds on the heap, at least: its two parts' fields and the event buffer's first room, and the
     * ring's reference to it (about 435 to 446 bytes measured with compressed references; this bound leaves room
     * below, for compact object headers too).
     */
    static final long HEAP_BYTES_AT_LEAST = 384;

    final Request request = new Request();
    final Decision decision = new Decision();

    /** What a slot asks of the shard. */
    enum Kind {
        /** Decide a command. */
        COMMAND,
        /** Write a snapshot of the state after the commands before this slot. */
        SNAPSHOT,
        /** Compute the state digest after the commands before this slot. */
        DIGEST,
        /** Do nothing; answered once every earlier slot is answered (used by close and as filler). */
        BARRIER
    }

    /**
     * Written by the submitting thread before the slot is published; read-only for the stages. A command is
     * held either as its record ({@link SubmittedCommand.Form#RECORD}, in {@link #command}) or as the fields of
     * a fixed-shape command, written by the garbage-free submit methods with no record built; the durability
     * stages read it through its {@link SubmittedCommand} face.
     */
    static final class Request implements SubmittedCommand {
        Kind kind;
        /** How the command is held: as {@link #command}, or as the fields below. */
        Form form = Form.RECORD;
        /** The command, when held as a record; {@code null} when held as fields. */
        Command command;
        long orderId;
        long customer;
        long sku;
        int warehouse;
        long quantity;
        OutcomeViewCallback callback;
        CompletableFuture<Outcome> future;
        CompletableFuture<Long> control;

        void command(Command newCommand, OutcomeViewCallback newCallback, CompletableFuture<Outcome> newFuture) {
            kind = Kind.COMMAND;
            form = Form.RECORD;
            command = newCommand;
            callback = newCallback;
            future = newFuture;
            control = null;
        }

        /**
         * Holds a command as its fields; {@code customer}, {@code sku}, {@code warehouse} and {@code quantity}
         * count only for a {@link Form#PURCHASE}.
         */
        void fields(Form newForm, long newOrderId, long newCustomer, long newSku, int newWarehouse, long newQuantity,
                    OutcomeViewCallback newCallback) {
            kind = Kind.COMMAND;
            form = newForm;
            command = null;
            orderId = newOrderId;
            customer = newCustomer;
            sku = newSku;
            warehouse = newWarehouse;
            quantity = newQuantity;
            callback = newCallback;
            future = null;
            control = null;
        }

        void control(Kind newKind, CompletableFuture<Long> newControl) {
            kind = newKind;
            form = Form.RECORD;
            command = null;
            callback = null;
            future = null;
            control = newControl;
        }

        void clear() {
            form = Form.RECORD;
            command = null;
            callback = null;
            future = null;
            control = null;
        }

        @Override
        public Form form() {
            return form;
        }

        @Override
        public long orderId() {
            if (form == Form.RECORD) {
                throw notCarried("an order id");
            }
            return orderId;
        }

        @Override
        public long customer() {
            checkPurchase("a customer");
            return customer;
        }

        @Override
        public long sku() {
            checkPurchase("a sku");
            return sku;
        }

        @Override
        public int warehouse() {
            checkPurchase("a warehouse");
            return warehouse;
        }

        @Override
        public long quantity() {
            checkPurchase("a quantity");
            return quantity;
        }

        @Override
        public Command toCommand() {
            return switch (form) {
                case RECORD -> command;
                case PURCHASE -> new Command.Purchase(orderId, customer, sku, warehouse, quantity);
                case CANCEL_PURCHASE -> new Command.CancelPurchase(orderId);
                case CONFIRM_RESERVATION -> new Command.ConfirmReservation(orderId);
                case RELEASE_RESERVATION -> new Command.ReleaseReservation(orderId);
            };
        }

        private void checkPurchase(String field) {
            if (form != Form.PURCHASE) {
                throw notCarried(field);
            }
        }

        private IllegalStateException notCarried(String field) {
            return new IllegalStateException("a command submitted as " + form + " carries no field for "
                    + field + (form == Form.RECORD ? "; read the record, toCommand()" : "; check form() first"));
        }
    }

    /** Written by the decision stage; read by the durability and completion stages. */
    static final class Decision {
        /** Whether a command was sequenced in this slot (false when the shard had stopped). */
        boolean sequenced;
        long sequence;
        long time;
        /**
         * The events decided for the command, in primitive form; preallocated with the slot and reused, so
         * deciding, journaling and answering a command builds no event record unless someone asks for one. Room
         * for a one-line command's event is allocated here, with the ring, so that the decision thread's first
         * lap of the ring allocates nothing either.
         */
        final EventBuffer events = reserved(new EventBuffer());
        /**
         * For a snapshot or a digest slot, the last sequence the decision stage had decided before it
         * ({@code -1}: none): the sequence the snapshot, or the digest, covers.
         */
        long controlResult;
        /**
         * For a digest slot, whether the decision stage took the digest itself (the shard has no copy of its state
         * to take it from); else the snapshot stage takes it from its copy, once that holds exactly the commands up
         * to {@link #controlResult}.
         */
        boolean digestTaken;

        private static EventBuffer reserved(EventBuffer buffer) {
            buffer.reserve(1, 1);
            return buffer;
        }

        void clear() {
            sequenced = false;
            events.clear();
        }
    }
}
