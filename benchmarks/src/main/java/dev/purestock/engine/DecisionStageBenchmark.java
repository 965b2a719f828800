package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.Limits;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The decision stage itself ({@link DecisionHandler}, package-private, hence this package) handed batches of
 * {@value #BATCH} purchases as the Disruptor hands them ({@code onBatchStart}, then each slot), with and without
 * reading the next commands' places in the store ahead ({@link WarmAhead}; {@code -p readAhead=false} hands it each
 * slot as a batch of one, when it reads nothing ahead). One operation is one command.
 *
 * <p>The purchases are one unit each, given as fields, by customers drawn at random from {@link #customers}, of skus
 * drawn at random from {@link #skus} at one warehouse, each with more stock than the run can sell; every sku counts
 * its customers, so a purchase reads and writes its order id, its product and position and the customer's count
 * (10 million customer-and-sku counts by default, a few hundred megabytes of table). The clock moves on by one after
 * each batch, and a time command after each forgets the orders of batches more than {@value #RETAINED_BATCHES}
 * batches old, so the state stays the same size and, sized ahead, nothing grows: what is measured is the lookups,
 * the rules and the time commands' forgetting, alike with reading ahead and without.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecisionStageBenchmark {
    /** Commands per batch handed to the stage. */
    static final int BATCH = 64;
    private static final int RING = 1024;
    /** Batches whose orders are remembered: {@value} times {@value #BATCH} orders. */
    private static final long RETAINED_BATCHES = 50_000;
    private static final int EXPECTED_ORDERS = (int) (RETAINED_BATCHES + 16) * BATCH;
    private static final Command.ExpireReservations FORGET = new Command.ExpireReservations(RETAINED_BATCHES);

    /** Whether the stage reads ahead within a batch ({@code true}) or is handed batches of one ({@code false}). */
    @Param({"true", "false"})
    public boolean readAhead;

    /** How many skus the purchases spread over. */
    @Param({"100000"})
    public int skus;

    /** How many customers buy. */
    @Param({"100"})
    public long customers;

    private final CommandSlot[] slots = new CommandSlot[RING];
    private final SplittableRandom random = new SplittableRandom(20_261_130L);
    private DecisionHandler stage;
    private ShardCounters.Decision counts;
    private long ringSequence;
    private long nextOrder;
    private long now = 1;

    /** A stage over a store sized for the whole trial, every sku listed and stocked. */
    @Setup(Level.Trial)
    public void stock() {
        for (int i = 0; i < RING; i++) {
            slots[i] = new CommandSlot();
        }
        PrimitiveInventoryStore store = new PrimitiveInventoryStore(new StoreCapacity(2 * skus, EXPECTED_ORDERS,
                (int) Math.min(Integer.MAX_VALUE / 2, 2 * customers * skus)));
        counts = new ShardCounters(RING).decision;
        stage = new DecisionHandler(0, new ShardHealth(0, new Intake()), new ShardState(store, 0, 0), () -> now,
                counts, new DueTimes(1, RETAINED_BATCHES, 0),
                sequence -> slots[(int) (sequence & (RING - 1))]);
        for (int sku = 0; sku < skus; sku++) {
            decide(new Command.ListProduct(sku, 0));
            decide(new Command.ReceiveStock(sku + 1, sku, 0, Limits.MAX_QUANTITY));
        }
    }

    /**
     * Fails the iteration when the stage rejected a command: the row would then time a refusal, which reads and writes
     * less than the purchase it stands for (every sku holds more stock than a run can sell, and counts no limit).
     */
    @TearDown(Level.Iteration)
    public void everyCommandAccepted() {
        long rejected = counts.sequenced.get() - counts.accepted.get();
        if (rejected != 0) {
            throw new IllegalStateException(rejected + " of the " + counts.sequenced.get() + " commands the stage "
                    + "decided were rejected: the row measured refusals, not purchases");
        }
    }

    private void decide(Command command) {
        CommandSlot slot = slots[(int) (ringSequence & (RING - 1))];
        slot.request.command(command, null, null);
        stage.onBatchStart(1, 1);
        stage.onEvent(slot, ringSequence++, true);
    }

    /** Writes a batch of purchases into the ring's slots, hands them to the stage, then a time command. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long decideABatch() {
        for (int i = 0; i < BATCH; i++) {
            long order = nextOrder++;
            slots[(int) ((ringSequence + i) & (RING - 1))].request.fields(SubmittedCommand.Form.PURCHASE, order,
                    random.nextLong(customers), random.nextInt(skus), 0, 1, null);
        }
        long last = ringSequence + BATCH - 1;
        if (readAhead) {
            stage.onBatchStart(BATCH, BATCH);
        }
        for (; ringSequence <= last; ringSequence++) {
            if (!readAhead) {
                stage.onBatchStart(1, 1);
            }
            stage.onEvent(slots[(int) (ringSequence & (RING - 1))], ringSequence, !readAhead || ringSequence == last);
        }
        now++;
        decide(FORGET);
        return nextOrder;
    }
}
