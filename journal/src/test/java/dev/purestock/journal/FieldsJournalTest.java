package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Limits;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.OutcomeView;
import dev.purestock.engine.OutcomeViewCallback;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.engine.SubmittedCommand;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A command submitted as its fields is journaled in the bytes of its record: dump, verify and replay see a
 * normal {@code Purchase} (or cancel, confirm, release) and cannot tell the two paths apart.
 */
class FieldsJournalTest {
    private static final long NOW = 1_700_000_000_000L;

    @TempDir
    Path byRecords;

    @TempDir
    Path byFields;

    /** A command held as its fields, as the engine's ring slot holds one written by {@code submitPurchase}. */
    private record Fields(SubmittedCommand.Form form, long orderId, long customer, long sku, int warehouse, long quantity)
            implements SubmittedCommand {
        static Fields of(Command command) {
            return switch (command) {
                case Command.Purchase c -> new Fields(SubmittedCommand.Form.PURCHASE, c.orderId(), c.customer(), c.sku(), c.warehouse(),
                        c.quantity());
                case Command.CancelPurchase c -> new Fields(SubmittedCommand.Form.CANCEL_PURCHASE, c.orderId(), 0, 0, 0, 0);
                case Command.ConfirmReservation c -> new Fields(SubmittedCommand.Form.CONFIRM_RESERVATION, c.orderId(), 0, 0, 0, 0);
                case Command.ReleaseReservation c -> new Fields(SubmittedCommand.Form.RELEASE_RESERVATION, c.orderId(), 0, 0, 0, 0);
                default -> null;
            };
        }

        @Override
        public Command toCommand() {
            throw new AssertionError("the codec encodes a fields command from its fields");
        }
    }

    /** A record held as such, as a slot written by {@code submit} holds one. */
    private record Held(Command toCommand) implements SubmittedCommand {
        @Override
        public SubmittedCommand.Form form() {
            return SubmittedCommand.Form.RECORD;
        }

        @Override
        public long orderId() {
            throw new IllegalStateException();
        }

        @Override
        public long customer() {
            throw new IllegalStateException();
        }

        @Override
        public long sku() {
            throw new IllegalStateException();
        }

        @Override
        public int warehouse() {
            throw new IllegalStateException();
        }

        @Override
        public long quantity() {
            throw new IllegalStateException();
        }
    }

    @Test
    void aCommandGivenAsFieldsEncodesToTheBytesOfItsRecordAndDecodesAsThatRecord() {
        List<Command> commands = new ArrayList<>(JournalRecordCodecTest.EVERY_COMMAND);
        commands.add(new Command.Purchase(0, 0, 0, 0, 0));
        commands.add(new Command.Purchase(Long.MAX_VALUE, Limits.MAX_CUSTOMER, Limits.MAX_SKU, Limits.MAX_WAREHOUSE,
                Long.MIN_VALUE));
        commands.add(new Command.Purchase(1, 2, 3, 4, Limits.MAX_QUANTITY));
        commands.add(new Command.CancelPurchase(Long.MAX_VALUE));
        EventBuffer events = new EventBuffer();
        events.writeAll(JournalRecordCodecTest.EVERY_EVENT);
        JournalRecordCodec fromRecord = new JournalRecordCodec();
        JournalRecordCodec fromView = new JournalRecordCodec();
        int encodedFromFields = 0;
        for (Command command : commands) {
            int length = fromRecord.encode(11, NOW, command, JournalRecordCodecTest.EVERY_EVENT);
            byte[] expected = Arrays.copyOf(fromRecord.buffer(), length);
            assertArrayEquals(expected, encoded(fromView, new Held(command), events), command::toString);
            Fields fields = Fields.of(command);
            if (fields != null) {
                byte[] actual = encoded(fromView, fields, events);
                assertArrayEquals(expected, actual, command::toString);
                assertEquals(new JournalRecord(11, NOW, command, JournalRecordCodecTest.EVERY_EVENT,
                        JournalRecordDescriptor.CURRENT_VERSION), JournalRecordCodec.decode(actual, 0, actual.length));
                encodedFromFields++;
            }
        }
        assertEquals(8, encodedFromFields, "every fixed-shape command, some at the edges of their ranges");
    }

    private static byte[] encoded(JournalRecordCodec codec, SubmittedCommand command, EventBuffer events) {
        int length = codec.encode(11, NOW, command, events);
        assertTrue(codec.checksumMatches(codec.buffer(), 0, length));
        return Arrays.copyOf(codec.buffer(), length);
    }

    @Test
    void aJournaledRunThroughTheFieldsPathWritesTheRecordPathsBytesAndReplaysAndVerifies() throws Exception {
        List<Command> run = new ArrayList<>(Workloads.setup(10, 20, 0));
        run.addAll(Workloads.mixed(1_500, 10, 13, 1, NOW));
        for (long order = 1; order <= 300; order += 7) {
            run.add(new Command.ReleaseReservation(order));
        }
        long recordsDigest = runAndClose(byRecords, run, false);
        long fieldsDigest = runAndClose(byFields, run, true);

        assertEquals(recordsDigest, fieldsDigest);
        List<byte[]> expected = rawRecords(byRecords);
        List<byte[]> actual = rawRecords(byFields);
        assertEquals(run.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "record " + i + ": " + run.get(i));
        }
        JournalVerifier.Result verified = JournalVerifier.verify(byFields, MapInventoryStore::new, ReplayProgress.NONE);
        assertNull(verified.divergence());
        assertEquals(run.size(), verified.records());
        RecoveredState replayed = JournalRecovery.recover(byFields, MapInventoryStore::new, ReplayProgress.NONE);
        assertEquals(fieldsDigest, StateDigest.of(replayed.store()));
        try (JournaledEngine again = start(byFields, new AtomicLong(NOW + run.size()))) {
            AtomicReference<Long> sequence = new AtomicReference<>();
            CountDownLatch answered = new CountDownLatch(1);
            again.engine().submitCancelPurchase(1, answer(answered, sequence));
            answered.await();
            assertEquals(run.size(), sequence.get(), "the sequence continues after the recovered records");
        }
    }

    private long runAndClose(Path dir, List<Command> run, boolean asFields) throws InterruptedException {
        try (JournaledEngine journaled = start(dir, new AtomicLong(NOW))) {
            PurestockEngine engine = journaled.engine();
            CountDownLatch answered = new CountDownLatch(run.size());
            OutcomeViewCallback callback = answer(answered, new AtomicReference<>());
            for (Command command : run) {
                if (!asFields || !submitAsFields(engine, command, callback)) {
                    engine.submit(command, callback);
                }
            }
            answered.await();
            return engine.digest(0).join();
        }
    }

    /** Submits {@code command} through its fields form, when it has one, and says whether it had. */
    private static boolean submitAsFields(PurestockEngine engine, Command command, OutcomeViewCallback callback) {
        switch (command) {
            case Command.Purchase c -> engine.submitPurchase(c.orderId(), c.customer(), c.sku(), c.warehouse(),
                    c.quantity(), callback);
            case Command.CancelPurchase c -> engine.submitCancelPurchase(c.orderId(), callback);
            case Command.ConfirmReservation c -> engine.submitConfirmReservation(c.orderId(), callback);
            case Command.ReleaseReservation c -> engine.submitReleaseReservation(c.orderId(), callback);
            default -> {
                return false;
            }
        }
        return true;
    }

    private static OutcomeViewCallback answer(CountDownLatch answered, AtomicReference<Long> lastSequence) {
        return new OutcomeViewCallback() {
            @Override
            public void onOutcome(OutcomeView outcome) {
                lastSequence.set(outcome.sequence());
                answered.countDown();
            }

            @Override
            public void onFailure(Throwable cause) {
                throw new AssertionError(cause);
            }
        };
    }

    private static JournaledEngine start(Path dir, AtomicLong clock) {
        return JournaledEngine.builder(dir)
                .engine(builder -> builder.clock(clock::incrementAndGet).expireReservationsEvery(Duration.ZERO))
                .start();
    }

    private static List<byte[]> rawRecords(Path dir) {
        List<byte[]> records = new ArrayList<>();
        try (JournalReader reader = JournalReader.open(dir)) {
            reader.readRaw((index, bytes, offset, length) -> records.add(Arrays.copyOfRange(bytes, offset, offset + length)));
        }
        return records;
    }
}
