package dev.purestock.spring;

import dev.purestock.domain.Limits;
import dev.purestock.engine.HeapEstimate;
import dev.purestock.engine.WaitStrategyKind;
import dev.purestock.journal.Durability;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of the journaled engine the starter starts, under {@code purestock.*}. Every default is the
 * engine's own; only {@code purestock.journal.directory} must be set. A setting the engine would refuse stops the
 * application at startup with the property's name.
 */
@ConfigurationProperties(prefix = "purestock")
public class PurestockProperties implements Validator {

    /** Whether to start the engine at all: true or false; another value is refused at startup. */
    private boolean enabled = true;

    /**
     * How many shards the engine runs: warehouse w belongs to shard w % shards. 1 keeps the journal directory a
     * one-shard journal; 2 or more make it a sharded one (a journal per shard in shard-0, shard-1, ...). A
     * directory keeps the count it was created with: starting it with another fails (resharding is not supported).
     */
    private int shards = 1;

    /**
     * Slots per shard ring: a power of two. Bounds the commands in flight; a submitter waits (or trySubmit
     * reports RING_FULL) when the ring is full.
     */
    private int ringSize = 1024;

    /**
     * How the engine's stage threads wait for work: BLOCKING (parks, no idle CPU), SLEEPING, YIELDING or
     * BUSY_SPIN (a core per stage thread).
     */
    private WaitStrategyKind waitStrategy = WaitStrategyKind.BLOCKING;

    /**
     * How often the engine expires reservations and forgets orders older than retain-orders-for; 0 turns it off.
     */
    private Duration expireReservationsEvery = Duration.ofSeconds(1);

    /**
     * How long after its last change an order or reservation is remembered: a retry within this window is
     * answered AlreadyApplied, a later one is decided afresh. Bounds the memory orders take.
     */
    private Duration retainOrdersFor = Duration.ofHours(24);

    /**
     * How long closing the application context waits for the engine to answer everything submitted; a drain that
     * takes longer fails the callers still waiting with EngineClosedException and leaves the journal directory
     * locked until the process exits. Must be positive.
     */
    private Duration shutdownTimeout = Duration.ofSeconds(30);

    private final Journal journal = new Journal();
    private final Snapshots snapshots = new Snapshots();
    private final StoreCapacity storeCapacity = new StoreCapacity();

    /**
     * Whether to start the engine ({@code purestock.enabled}, default {@code true}): {@code true} or {@code false}, in
     * any case; another value ({@code yes}, {@code 1}, a typo) is refused at startup, naming the property.
     */
    public boolean isEnabled() {
        return enabled;
    }

    /** Sets {@code purestock.enabled}. */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** How many shards the engine runs ({@code purestock.shards}, default 1). */
    public int getShards() {
        return shards;
    }

    /** Sets {@code purestock.shards}. */
    public void setShards(int shards) {
        this.shards = shards;
    }

    /** Slots per shard ring ({@code purestock.ring-size}, default 1024). */
    public int getRingSize() {
        return ringSize;
    }

    /** Sets {@code purestock.ring-size}. */
    public void setRingSize(int ringSize) {
        this.ringSize = ringSize;
    }

    /** How stage threads wait ({@code purestock.wait-strategy}, default {@code BLOCKING}). */
    public WaitStrategyKind getWaitStrategy() {
        return waitStrategy;
    }

    /** Sets {@code purestock.wait-strategy}. */
    public void setWaitStrategy(WaitStrategyKind waitStrategy) {
        this.waitStrategy = waitStrategy;
    }

    /** The expiry timer's period ({@code purestock.expire-reservations-every}, default 1s; 0: off). */
    public Duration getExpireReservationsEvery() {
        return expireReservationsEvery;
    }

    /** Sets {@code purestock.expire-reservations-every}. */
    public void setExpireReservationsEvery(Duration expireReservationsEvery) {
        this.expireReservationsEvery = expireReservationsEvery;
    }

    /** The order retention window ({@code purestock.retain-orders-for}, default 24h). */
    public Duration getRetainOrdersFor() {
        return retainOrdersFor;
    }

    /** Sets {@code purestock.retain-orders-for}. */
    public void setRetainOrdersFor(Duration retainOrdersFor) {
        this.retainOrdersFor = retainOrdersFor;
    }

    /** How long closing the context waits for the engine to drain. */
    public Duration getShutdownTimeout() {
        return shutdownTimeout;
    }

    /** Sets {@link #getShutdownTimeout()}. */
    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }

    /** The journal settings ({@code purestock.journal.*}). */
    public Journal getJournal() {
        return journal;
    }

    /** The snapshot settings ({@code purestock.snapshots.*}). */
    public Snapshots getSnapshots() {
        return snapshots;
    }

    /** What the state is sized for up front ({@code purestock.store-capacity.*}). */
    public StoreCapacity getStoreCapacity() {
        return storeCapacity;
    }

    /** Validates {@link PurestockProperties} only. */
    @Override
    public boolean supports(Class<?> type) {
        return PurestockProperties.class.isAssignableFrom(type);
    }

    /**
     * Rejects what the types do not rule out and the journaled engine would refuse: fewer than one shard, a
     * shutdown timeout that is not positive, a negative snapshot period, fewer than one kept snapshot; and a ring
     * size and store capacities whose rings and state, for every shard, cannot fit in this JVM's maximum heap, which
     * would otherwise run out of memory as the engine starts. The count is the engine's own ({@code HeapEstimate},
     * for the two stores a journaled engine keeps per shard): 384 bytes a ring slot, and the tables' arrays as the
     * engine sizes them, at least about 225 bytes a position, 190 an order, 64 a customer count and 40 an order line,
     * up to twice that just past a power of two; and a snapshot backlog limit whose rooms, every shard's full at once
     * at {@code HeapEstimate.KEPT_ASIDE_BYTES} a command, would take more than half the heap
     * ({@code HeapEstimate.backlogLimitFitting}). The journal directory is checked when the starter starts an engine
     * (an application with an engine of its own needs none), and the engine's own settings (ring size, periods,
     * capacities) by the engine as it starts; both are reported with the property's name.
     */
    @Override
    public void validate(Object target, Errors errors) {
        validate(target, errors, Runtime.getRuntime().maxMemory());
    }

    /** {@link #validate(Object, Errors)} against a maximum heap of {@code maxHeap} bytes. */
    void validate(Object target, Errors errors, long maxHeap) {
        PurestockProperties properties = (PurestockProperties) target;
        if (properties.shards < 1) {
            errors.rejectValue("shards", "tooFew", "an engine runs at least one shard, was "
                    + properties.shards);
        }
        if (properties.shutdownTimeout == null || properties.shutdownTimeout.isNegative()
                || properties.shutdownTimeout.isZero()) {
            errors.rejectValue("shutdownTimeout", "notPositive", "must be a positive duration, was "
                    + properties.shutdownTimeout);
        }
        if (properties.snapshots.every < 0) {
            errors.rejectValue("snapshots.every", "negative", "must be 0 (snapshots only on demand) or a positive "
                    + "number of commands, was " + properties.snapshots.every);
        }
        if (properties.snapshots.keep < 1) {
            errors.rejectValue("snapshots.keep", "tooFew", "keep at least one snapshot, was "
                    + properties.snapshots.keep);
        }
        if (properties.shards >= 1 && properties.shards <= Limits.MAX_WAREHOUSE + 1 && properties.ringSize > 0
                && properties.storeCapacity.sizesArePositive()) {
            UpFrontMemory.check(properties, maxHeap, errors);
        }
        Integer backlogLimit = properties.snapshots.backlogLimit;
        if (backlogLimit == null || properties.shards < 1) {
            return;
        }
        int fits = HeapEstimate.backlogLimitFitting(properties.shards, maxHeap);
        if (backlogLimit > fits) {
            errors.rejectValue("snapshots.backlogLimit", "exceedsHeap", "purestock.snapshots.backlog-limit="
                    + backlogLimit + " lets the snapshot stage of each of " + properties.shards + " shard(s) keep up "
                    + "to " + properties.shards * (long) backlogLimit * HeapEstimate.KEPT_ASIDE_BYTES / (1024 * 1024)
                    + " MiB of commands aside while a snapshot write hangs, more than half of this JVM's maximum "
                    + "heap of " + maxHeap / (1024 * 1024) + " MiB: lower it to " + fits + " or less (or leave it "
                    + "unset: the engine's default fits the heap), or give the JVM a larger heap (-Xmx)");
        }
    }

    /** Where and how the engine journals ({@code purestock.journal.*}). */
    public static class Journal {
        /**
         * The journal directory: created when missing, recovered from on every start (newest snapshot, then the
         * journal tail), locked against a second engine while the application runs. Required. A relative path is
         * relative to the working directory, even where the class path holds a directory of that name.
         */
        private Path directory;

        /**
         * When a record counts as written, and so when a caller is answered: PAGE_CACHE (survives a crash of
         * the process) or SYNC_PER_BATCH (also survives a power loss; a device flush per batch).
         */
        private Durability durability = Durability.PAGE_CACHE;

        /**
         * Whether to delete, on every start, the journal cycle files that the oldest kept snapshot covers.
         */
        private boolean pruneCyclesOnStart = false;

        /** The journal directory ({@code purestock.journal.directory}; required). */
        public Path getDirectory() {
            return directory;
        }

        /** Sets {@code purestock.journal.directory}. */
        public void setDirectory(Path directory) {
            this.directory = directory;
        }

        /** When a record counts as written ({@code purestock.journal.durability}, default {@code PAGE_CACHE}). */
        public Durability getDurability() {
            return durability;
        }

        /** Sets {@code purestock.journal.durability}. */
        public void setDurability(Durability durability) {
            this.durability = durability;
        }

        /** Whether to prune covered cycle files on start ({@code purestock.journal.prune-cycles-on-start}). */
        public boolean isPruneCyclesOnStart() {
            return pruneCyclesOnStart;
        }

        /** Sets {@code purestock.journal.prune-cycles-on-start}. */
        public void setPruneCyclesOnStart(boolean pruneCyclesOnStart) {
            this.pruneCyclesOnStart = pruneCyclesOnStart;
        }
    }

    /** When snapshots are cut and how many are kept ({@code purestock.snapshots.*}). */
    public static class Snapshots {
        /**
         * Cut a snapshot every this many commands, on a thread of its own while the engine goes on; 0: only when
         * asked for (PurestockEngine.snapshot). A snapshot shortens the replay on the next start.
         */
        private long every = 0;

        /** Snapshots kept after each new one (at least 1). */
        private int keep = 2;

        /**
         * Commands decided during a snapshot's write that the snapshot stage keeps aside for its copy, at most; at the
         * limit (a writer that hangs) it gives the copy up and snapshots fail until a restart, instead of the heap
         * running out. Unset: the engine's default, 4194304 (about 520 MB of one-line purchases), lowered to what
         * fits in half the heap with every shard's room full; a value above that is refused at startup, by name.
         */
        private Integer backlogLimit;

        /** The snapshot period in commands ({@code purestock.snapshots.every}, default 0: on demand only). */
        public long getEvery() {
            return every;
        }

        /** Sets {@code purestock.snapshots.every}. */
        public void setEvery(long every) {
            this.every = every;
        }

        /** Snapshots kept ({@code purestock.snapshots.keep}, default 2). */
        public int getKeep() {
            return keep;
        }

        /** Sets {@code purestock.snapshots.keep}. */
        public void setKeep(int keep) {
            this.keep = keep;
        }

        /**
         * The most commands kept aside during a snapshot's write ({@code purestock.snapshots.backlog-limit};
         * {@code null}: the engine's default, see {@code PurestockEngine.Builder.snapshotBacklogLimit}).
         */
        public Integer getBacklogLimit() {
            return backlogLimit;
        }

        /** Sets {@code purestock.snapshots.backlog-limit}. */
        public void setBacklogLimit(Integer backlogLimit) {
            this.backlogLimit = backlogLimit;
        }
    }

    /**
     * What each shard's state is sized for up front ({@code purestock.store-capacity.*}): within these figures
     * nothing is resized while commands flow; beyond them the state grows a step at a time.
     */
    public static class StoreCapacity {
        /** Stock positions (sku and warehouse pairs); products and stock movements are sized the same. */
        private int positions = 1024;

        /** Orders and reservations remembered at once: about the order rate times retain-orders-for. */
        private int orders = 1024;

        /** Non-zero counts of one customer's units of one sku. */
        private int customerCounts = 1024;

        /** Lines of the orders remembered at once, summed over them; unset: one per order. */
        private Integer orderLines;

        /** Stock positions ({@code purestock.store-capacity.positions}, default 1024). */
        public int getPositions() {
            return positions;
        }

        /** Sets {@code purestock.store-capacity.positions}. */
        public void setPositions(int positions) {
            this.positions = positions;
        }

        /** Orders remembered at once ({@code purestock.store-capacity.orders}, default 1024). */
        public int getOrders() {
            return orders;
        }

        /** Sets {@code purestock.store-capacity.orders}. */
        public void setOrders(int orders) {
            this.orders = orders;
        }

        /** Customer counts ({@code purestock.store-capacity.customer-counts}, default 1024). */
        public int getCustomerCounts() {
            return customerCounts;
        }

        /** Sets {@code purestock.store-capacity.customer-counts}. */
        public void setCustomerCounts(int customerCounts) {
            this.customerCounts = customerCounts;
        }

        /**
         * Order lines ({@code purestock.store-capacity.order-lines}), summed over the orders remembered at once;
         * {@code null} (the default) sizes one line per order.
         */
        public Integer getOrderLines() {
            return orderLines;
        }

        /** Sets {@code purestock.store-capacity.order-lines}. */
        public void setOrderLines(Integer orderLines) {
            this.orderLines = orderLines;
        }

        private boolean sizesArePositive() {
            return positions > 0 && orders > 0 && customerCounts > 0 && (orderLines == null || orderLines > 0);
        }
    }
}
