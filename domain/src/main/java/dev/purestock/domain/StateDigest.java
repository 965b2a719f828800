package dev.purestock.domain;

/**
 * A deterministic 64-bit digest of a whole {@link InventoryStore}: equal states give equal digests on
 * any implementation, in any process, whatever order its maps iterate in.
 *
 * <p>Every entry (a product, a position, a non-zero customer count, an order, a movement) is hashed on its
 * own, from its fields in a fixed order with a tag for its kind, through a strong 64-bit mixer; the
 * entry hashes are then added up. Addition commutes, so visiting order cannot change the result, and the
 * per-entry mixing makes accidental cancellation as unlikely as any other 64-bit collision. The order of
 * last changes ({@link InventoryState#forEachByLastChange}), which decides what is forgotten next, is hashed
 * as one more entry: a chain over its orders in that order, each order id with the time of its last change,
 * so two states that would forget different orders next differ. Each command held for later is an entry of
 * its own. The due index is left out: it is derived
 * from the orders. The digest is a checksum for comparing states, not a
 * cryptographic hash.
 */
public final class StateDigest {
    private static final long PRODUCT = 0x50524F44L;
    private static final long POSITION = 0x504F5349L;
    private static final long CUSTOMER = 0x43555354L;
    private static final long ORDER = 0x4F524452L;
    private static final long MOVEMENT = 0x4D4F5645L;
    private static final long LAST_CHANGES = 0x4C415354L;
    private static final long HELD = 0x48454C44L;

    private StateDigest() {
    }

    /** The digest of {@code store}. */
    public static long of(InventoryStore store) {
        long[] sum = {0};
        // a product that counts no customers weighs in with its limit field as NOT_COUNTED, which no limit is, so
        // the digest of a state with only counting products is what it was before products could choose
        store.forEachProductAndPosition(p -> sum[0] += hash(PRODUCT, p.sku(), p.limitOrNotCounted()),
                (sku, warehouse, available) -> sum[0] += hash(POSITION, sku, warehouse, available));
        store.forEachCustomerUnits((customer, sku, units) -> sum[0] += hash(CUSTOMER, customer, sku, units));
        store.forEachOrderFields((orderId, customer, status, lines, expiresAt, fingerprint) ->
                sum[0] += hashOrder(orderId, customer, status, lines, expiresAt, fingerprint));
        store.forEachMovement((id, fingerprint) -> sum[0] += hash(MOVEMENT, id, fingerprint));
        store.forEachHeld(held -> sum[0] += hash(held));
        long[] chain = {LAST_CHANGES, 0};
        store.forEachByLastChange((orderId, changedAt) -> {
            chain[0] = step(step(chain[0], orderId), changedAt);
            chain[1]++;
            return true;
        });
        if (chain[1] > 0) {
            sum[0] += mix64(step(chain[0], chain[1]));
        }
        return mix64(sum[0]);
    }

    /** {@code digest} as the 16 hex digits that tools print. */
    public static String format(long digest) {
        return String.format("%016x", digest);
    }

    /**
     * An order's entry, from its fields: the store walks its orders as fields ({@link
     * InventoryStore#forEachOrderFields}), so a store that keeps them in columns builds no record per order.
     */
    private static long hashOrder(long orderId, long customer, OrderStatus status, OrderLines lines, long expiresAt,
                                  long fingerprint) {
        long h = step(step(step(step(step(ORDER, orderId), customer), status.code()), expiresAt), fingerprint);
        for (int i = 0; i < lines.count(); i++) {
            h = step(step(step(h, lines.sku(i)), lines.warehouse(i)), lines.quantity(i));
        }
        return mix64(h);
    }

    /**
     * A held command's entry: its id, its time and its command, the command through its record's text (the
     * record's components in order, an enum by name), which is the same in every process.
     */
    private static long hash(HeldCommand held) {
        long h = step(step(HELD, held.holdId()), held.at());
        String command = held.command().toString();
        for (int i = 0; i < command.length(); i++) {
            h = step(h, command.charAt(i));
        }
        return mix64(step(h, command.length()));
    }

    private static long hash(long tag, long a, long b) {
        return mix64(step(step(tag, a), b));
    }

    private static long hash(long tag, long a, long b, long c) {
        return mix64(step(step(step(tag, a), b), c));
    }

    private static long step(long h, long value) {
        return mix64(h * 31 + value) ^ Long.rotateLeft(h, 17);
    }

    /** The murmur3 / SplitMix64 finaliser: a bijective 64-bit mixer with full avalanche. */
    static long mix64(long z) {
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB93FE1A85EC9L;
        return z ^ (z >>> 33);
    }
}
