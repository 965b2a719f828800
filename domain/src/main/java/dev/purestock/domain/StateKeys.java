package dev.purestock.domain;

/** Composite keys for the JDK-map state layers of the domain. */
final class StateKeys {
    private StateKeys() {
    }

    /** A stock position. */
    record Position(long sku, int warehouse) {
    }

    /** A customer's count of one sku. */
    record CustomerSku(long customer, long sku) {
    }

    /** A reservation in the due index, ordered by expiry and then order id. */
    record Due(long expiresAt, long orderId) implements Comparable<Due> {
        @Override
        public int compareTo(Due other) {
            int byTime = Long.compare(expiresAt, other.expiresAt);
            return byTime != 0 ? byTime : Long.compare(orderId, other.orderId);
        }
    }
}
