package dev.purestock.domain;

/** Where an order or reservation stands. Stable numeric codes for journals. */
public enum OrderStatus {
    /** Bought: the units are the customer's. */
    PURCHASED(1),
    /** Held until the reservation's expiry. */
    RESERVED(2),
    /** A reservation turned into a purchase. */
    CONFIRMED(3),
    /** A reservation given up; its units went back to stock. */
    RELEASED(4),
    /** A reservation whose expiry passed; its units went back to stock. */
    EXPIRED(5),
    /** A purchase undone; its units went back to stock. */
    CANCELLED(6);

    private final int code;

    OrderStatus(int code) {
        this.code = code;
    }

    /** The stable numeric code of this status. */
    public int code() {
        return code;
    }

    /**
     * The status with that code.
     *
     * @throws IllegalArgumentException when no status has that code
     */
    public static OrderStatus ofCode(int code) {
        for (OrderStatus status : values()) {
            if (status.code == code) {
                return status;
            }
        }
        throw new IllegalArgumentException("no order status has code " + code);
    }
}
