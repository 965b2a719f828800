package dev.purestock.domain;

import java.util.List;
import java.util.Objects;

/**
 * What happened. Accepted events carry the values they leave behind (the units now available, the
 * customer's count now held) so that {@link Inventory#evolve} only sets them; rejections change nothing.
 */
public sealed interface Event {

    /** An event that changed nothing and says why. */
    sealed interface Rejection extends Event {
        /**
         * Why the command was rejected: its {@link RejectionReason#code()} and
         * {@link RejectionReason#description()}.
         */
        RejectionReason reason();

        /** What the rejected command was about, as {@link Rejected#ref()} says. */
        long ref();
    }

    /**
     * A sku was listed, or its per-customer limit changed; {@code countsCustomers}: whether customers' units of it
     * are counted ({@link Command.ListProduct}).
     */
    record ProductListed(long sku, long perCustomerLimit, boolean countsCustomers) implements Event {
        /**
         * A listing as decided.
         *
         * @throws IllegalArgumentException when it counts no customers and has a limit: no listing decides that
         */
        public ProductListed {
            Product.requireNoLimitUncounted(sku, perCustomerLimit, countsCustomers);
        }

        /** A listing that counts customers, as every listing did before the choice. */
        public ProductListed(long sku, long perCustomerLimit) {
            this(sku, perCustomerLimit, true);
        }
    }

    /** Stock arrived; {@code available} units are now at the position. */
    record StockReceived(long movementId, long sku, int warehouse, long quantity, long available,
                         long fingerprint) implements Event {
    }

    /** Stock was written off; {@code available} units are now at the position. */
    record StockWrittenOff(long movementId, long sku, int warehouse, long quantity, long available,
                           long fingerprint) implements Event {
    }

    /** A purchase or order was accepted; every line's units left stock. */
    record PurchaseAccepted(long orderId, long customer, List<LineChange> lines, long fingerprint)
            implements Event {
        public PurchaseAccepted {
            lines = List.copyOf(lines);
        }
    }

    /** A reservation was accepted; every line's units are held until {@code expiresAt}. */
    record StockReserved(long orderId, long customer, List<LineChange> lines, long expiresAt, long fingerprint)
            implements Event {
        public StockReserved {
            lines = List.copyOf(lines);
        }
    }

    /** A reservation became a purchase. */
    record ReservationConfirmed(long orderId) implements Event {
    }

    /** A reservation was released; its units went back. */
    record ReservationReleased(long orderId, List<LineChange> lines) implements Event {
        public ReservationReleased {
            lines = List.copyOf(lines);
        }
    }

    /** A reservation expired; its units went back. */
    record ReservationExpired(long orderId, List<LineChange> lines) implements Event {
        public ReservationExpired {
            lines = List.copyOf(lines);
        }
    }

    /** A purchase was cancelled; its units went back. */
    record PurchaseCancelled(long orderId, List<LineChange> lines) implements Event {
        public PurchaseCancelled {
            lines = List.copyOf(lines);
        }
    }

    /**
     * An order or reservation was forgotten: its retention window passed since its last change. Its id names
     * nothing any more; the units its customer holds are unchanged.
     */
    record OrderForgotten(long orderId) implements Event {
    }

    /** {@code command} is held until {@code at} under {@code holdId} ({@link Command.Hold}). */
    record CommandHeld(long holdId, long at, Command command) implements Event {
        public CommandHeld {
            Objects.requireNonNull(command, "command");
        }
    }

    /**
     * The time command decided the command held under {@code holdId}: the events that follow, up to the next
     * {@code HoldReleased} or {@link ReservationExpired} or the end, are its decision.
     */
    record HoldReleased(long holdId) implements Event {
    }

    /** The command held under {@code holdId} was taken back ({@link Command.CancelHold}); it will not be decided. */
    record HoldCancelled(long holdId) implements Event {
    }

    /**
     * The same command (same id, same payload) was applied before; nothing changed. The original outcome
     * stands: the order's current status is in the state, under {@code id}.
     */
    record AlreadyApplied(long id) implements Event {
    }

    /**
     * The command was rejected; nothing changed. {@code ref} names what the command was about,
     * {@link Command#ref()}: the order id, the movement id, or the sku for {@link Command.ListProduct};
     * {@code -1} for a batch. The domain rejects with a {@link Reason}; whoever runs it may reject a command
     * itself, before or instead of deciding it, with a reason of its own (see {@link RejectionReason}).
     */
    record Rejected(RejectionReason reason, long ref) implements Rejection {
        public Rejected {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /**
     * An atomic batch was rejected because its member at {@code index} was; nothing in the batch changed.
     * {@code reason} and {@code ref} are that member's rejection.
     */
    record BatchAborted(int index, Reason reason, long ref) implements Rejection {
        public BatchAborted {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
