package dev.purestock.engine;

import dev.purestock.domain.Command;
import dev.purestock.domain.InventoryState;
import dev.purestock.domain.Limits;
import dev.purestock.domain.Line;
import dev.purestock.domain.NextDue;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One shard's due time ({@link DueTimes}) stays true through random histories, driven as the engine drives it: its
 * decision stage takes purchases (as records and as fields), reservations, confirms and releases, cancels of old
 * orders, held commands (purchases and cancels falling due inside time commands), batches holding a time command
 * with the engine's window or another, time commands of other windows, on a clock that mostly steps a few
 * milliseconds, sometimes jumps ahead and, in half the histories, sometimes goes back; and the timer sends the
 * engine's time command whenever the due time has come on that clock, again while it still has (as its backlog does
 * after a full answer). After every step:
 * <ul>
 *   <li>never late: the due time is no later than the earliest reservation expiry or held command, nor than the
 *   oldest order's end of window (or the spacing after the last time command, when that is later and the order was
 *   not due at that time command already), nor than the
 *   end of window of a full time command's worth of orders;
 *   <li>no storm: a time command that was not full (fewer events than {@link Limits#MAX_FORGOTTEN_PER_COMMAND})
 *   leaves the due time after its own time, so that its answer does not send the next at once with nothing to do.
 * </ul>
 * Each seed is one history; a failure names it.
 */
class DueTimesHistoryTest {
    private static final int STEPS = 20_000;

    static IntStream seeds() {
        return IntStream.range(0, 100);
    }

    @ParameterizedTest
    @MethodSource("seeds")
    void theDueTimeIsNeverLateAndATimeCommandThatWasNotFullLeavesItAfterItsOwnTime(int seed) {
        Random random = new Random(seed);
        long window = new long[] {1, 2, 5, 50, 1_000}[random.nextInt(5)];
        long spacing = new long[] {0, 1, 10, 1_000}[random.nextInt(4)];
        boolean clockGoesBack = random.nextBoolean();
        String history = "seed " + seed + " (window " + window + ", spacing " + spacing + ", clock goes back "
                + clockGoesBack + ")";
        Shard shard = new Shard(window, spacing);
        shard.decide(new Command.ListProduct(1, 0));
        shard.decide(new Command.ReceiveStock(1, 1, 0, Limits.MAX_QUANTITY));
        long nextOrder = 1;
        long nextHold = 1;
        List<Long> reserved = new ArrayList<>();
        List<Long> sold = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            int tick = random.nextInt(1_000);
            if (tick < 50) {
                shard.clock.addAndGet(random.nextInt(5));
            } else if (tick < 60 && clockGoesBack) {
                shard.clock.addAndGet(-random.nextInt(30));
            } else if (tick < 62) {
                shard.clock.addAndGet(random.nextInt(3_000));
            }
            int kind = random.nextInt(100);
            long now = Math.max(shard.clock.get(), shard.lastTime);
            if (kind < 20) {
                long order = nextOrder++;
                sold.add(order);
                shard.decide(new Command.Purchase(order, order % 7, 1, 0, 1));
            } else if (kind < 40) {
                long order = nextOrder++;
                sold.add(order);
                shard.purchaseAsFields(order);
            } else if (kind < 55) {
                long order = nextOrder++;
                reserved.add(order);
                shard.decide(new Command.Reserve(order, order % 7, List.of(new Line(1, 0, 1)), now + random.nextInt(50)));
            } else if (kind < 65 && !reserved.isEmpty()) {
                long order = reserved.remove(random.nextInt(reserved.size()));
                shard.decide(random.nextBoolean() ? new Command.ConfirmReservation(order)
                        : new Command.ReleaseReservation(order));
            } else if (kind < 72 && !sold.isEmpty()) {
                shard.decide(new Command.CancelPurchase(sold.get(random.nextInt(sold.size()))));
            } else if (kind < 80) {
                long order = nextOrder++;
                Command held = random.nextBoolean() || sold.isEmpty() ? new Command.Purchase(order, order % 7, 1, 0, 1)
                        : new Command.CancelPurchase(sold.get(random.nextInt(sold.size())));
                sold.add(order);
                shard.decide(new Command.Hold(nextHold++, now + random.nextInt(40), held));
            } else if (kind < 82) {
                long order = nextOrder++;
                sold.add(order);
                long batchWindow = random.nextBoolean() ? window : 1 + random.nextInt(100);
                shard.decide(new Command.Batch(Command.Batch.Mode.INDEPENDENT, List.of(
                        new Command.ExpireReservations(batchWindow), new Command.Purchase(order, 1, 1, 0, 1))));
            } else if (kind < 83) {
                shard.decide(new Command.ExpireReservations(1 + random.nextInt(3_000)));
            }
            shard.runTimer(history + " step " + step);
            shard.checkNotLate(history + " step " + step);
        }
        assertNull(shard.health.failure());
    }

    /** One shard's decision stage, its due time and the engine's timer, on the test's clock. */
    private static final class Shard {
        final AtomicLong clock = new AtomicLong(1_000);
        final ShardHealth health = new ShardHealth(0, new Intake());
        private final long window;
        private final long spacing;
        private final ShardState state = ShardState.empty(StoreCapacity.DEFAULT);
        private final DueTimes dueTimes;
        private final DecisionHandler decision;
        private final CommandSlot slot = new CommandSlot();
        private final CountingViewCallback callback = new CountingViewCallback();
        private final Command.ExpireReservations timeCommand;
        private final NextDue nextDue = new NextDue();
        private long ring;
        long lastTime = Long.MIN_VALUE;
        /** The time of the last time command decided on its own (not in a batch), which spaces forgetting. */
        private long lastTimeCommand = Long.MIN_VALUE;

        Shard(long window, long spacing) {
            this.window = window;
            this.spacing = spacing;
            this.timeCommand = new Command.ExpireReservations(window);
            dueTimes = new DueTimes(1, window, spacing);
            decision = new DecisionHandler(0, health, state, clock::get, new ShardCounters(1024).decision, dueTimes,
                    EngineFixtures.NO_RING);
        }

        void decide(Command command) {
            slot.request.command(command, callback, null);
            decided();
            if (command instanceof Command.ExpireReservations) {
                lastTimeCommand = lastTime;
            }
        }

        void purchaseAsFields(long order) {
            slot.request.fields(SubmittedCommand.Form.PURCHASE, order, order % 7, 1, 0, 1, callback);
            decided();
        }

        private void decided() {
            decision.onEvent(slot, ring++, true);
            lastTime = slot.decision.time;
        }

        /** Sends the engine's time command while the due time has come on the clock, as the timer does. */
        void runTimer(String where) {
            int sent = 0;
            while (dueTimes.dueAt(0) != NextDue.NEVER && dueTimes.dueAt(0) <= clock.get()) {
                decide(timeCommand);
                boolean full = slot.decision.events.size() >= Limits.MAX_FORGOTTEN_PER_COMMAND;
                assertTrue(full || dueTimes.dueAt(0) > lastTime, where + ": a time command at " + lastTime
                        + " with " + slot.decision.events.size() + " events left the due time at " + dueTimes.dueAt(0));
                assertTrue(++sent < 1_000, where + ": " + sent + " time commands in a row");
            }
        }

        void checkNotLate(String where) {
            long due = dueTimes.dueAt(0);
            InventoryState store = state.store();
            long expiryOrHold = nextDue.of(store);
            assertTrue(due <= expiryOrHold, where + ": due at " + due + ", after an expiry or hold at " + expiryOrHold);
            int held = nextDue.forgettable(store, Limits.MAX_FORGOTTEN_PER_COMMAND);
            if (held > 0) {
                long oldest = NextDue.forgottenFrom(nextDue.firstChangedAt(), window);
                // what was due at the last time command (it forgot a full command's worth) is due at once
                long spaced = lastTimeCommand == Long.MIN_VALUE || oldest <= lastTimeCommand ? Long.MIN_VALUE
                        : lastTimeCommand + spacing;
                assertTrue(due <= Math.max(oldest, spaced), where + ": due at " + due + ", after the oldest order's "
                        + "window ends at " + oldest + " and the spacing after the last time command at " + spaced);
            }
            if (held == Limits.MAX_FORGOTTEN_PER_COMMAND) {
                long fullWorth = NextDue.forgottenFrom(nextDue.lastChangedAt(), window);
                assertTrue(due <= fullWorth, where + ": due at " + due + ", after a full command's worth at " + fullWorth);
            }
        }
    }
}
