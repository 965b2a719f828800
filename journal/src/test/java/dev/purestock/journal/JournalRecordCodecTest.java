package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Event;
import dev.purestock.domain.EventBuffer;
import dev.purestock.domain.Inventory;
import dev.purestock.domain.Line;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.Limits;
import dev.purestock.domain.MapInventoryStore;
import dev.purestock.domain.Reason;
import dev.purestock.domain.StateDigest;
import dev.purestock.domain.testing.InventoryGenerators;
import dev.purestock.domain.testing.Timed;
import dev.purestock.engine.EngineRefusal;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

class JournalRecordCodecTest {
    private static final List<Line> LINES = List.of(new Line(7, 1, 2), new Line(8, 65535, 1_000_000_000_000L));
    private static final List<LineChange> CHANGES = List.of(new LineChange(7, 1, 2, 40, 2),
            new LineChange(8, 65535, 1, 0, 1));

    static final List<Command> EVERY_COMMAND = List.of(
            new Command.ListProduct(4_294_967_295L, 2),
            new Command.ReceiveStock(11, 7, 3, 100),
            new Command.WriteOffStock(12, 7, 3, -5),
            new Command.Purchase(Long.MAX_VALUE, 99, 7, 3, 1),
            new Command.PlaceOrder(21, 99, LINES),
            new Command.PlaceOrder(22, 99, List.of()),
            new Command.CancelPurchase(21),
            new Command.Reserve(31, 98, LINES, 1_700_000_000_000L),
            new Command.ConfirmReservation(31),
            new Command.ReleaseReservation(32),
            new Command.ExpireReservations(),
            new Batch(Batch.Mode.ATOMIC, List.of(new Command.Purchase(41, 1, 7, 3, 1),
                    new Batch(Batch.Mode.INDEPENDENT, List.of(new Command.CancelPurchase(41), new Command.ExpireReservations())))),
            new Batch(Batch.Mode.INDEPENDENT, List.of()),
            new Command.ExpireReservations(60_000),
            new Command.ExpireReservations(Long.MAX_VALUE),
            new Command.Hold(51, 1_700_000_060_000L, new Command.Purchase(52, 99, 7, 3, 1)),
            new Command.Hold(Long.MAX_VALUE, Long.MIN_VALUE, new Batch(Batch.Mode.ATOMIC, List.of(
                    new Command.Reserve(53, 98, LINES, 1_700_000_000_000L), new Command.CancelHold(51)))),
            new Command.CancelHold(51),
            new Batch(Batch.Mode.INDEPENDENT, List.of(new Command.Hold(54, 9, new Command.ConfirmReservation(53)),
                    new Command.CancelHold(54), new Command.Purchase(55, 1, 7, 3, 1))),
            Command.ListProduct.uncounted(9));

    static final List<Event> EVERY_EVENT = List.of(
            new Event.ProductListed(7, 0),
            new Event.StockReceived(11, 7, 3, 100, 140, -8_000_000_000L),
            new Event.StockWrittenOff(12, 7, 3, 5, 135, 42),
            new Event.PurchaseAccepted(21, 99, CHANGES, 77),
            new Event.StockReserved(31, 98, CHANGES, 1_700_000_000_000L, 78),
            new Event.ReservationConfirmed(31),
            new Event.ReservationReleased(32, CHANGES),
            new Event.ReservationExpired(33, List.of()),
            new Event.PurchaseCancelled(21, CHANGES),
            new Event.AlreadyApplied(21),
            new Event.Rejected(Reason.OUT_OF_STOCK, 21),
            new Event.BatchAborted(3, Reason.BATCH_TOO_DEEP, -1),
            new Event.Rejected(EngineRefusal.INTERNAL_ERROR, 22),
            new Event.OrderForgotten(Long.MAX_VALUE),
            new Event.CommandHeld(51, 1_700_000_060_000L, new Batch(Batch.Mode.INDEPENDENT,
                    List.of(new Command.PlaceOrder(56, 99, LINES), new Command.CancelPurchase(56)))),
            new Event.HoldReleased(51),
            new Event.PurchaseAccepted(52, 99, CHANGES, 79),
            new Event.HoldCancelled(Long.MAX_VALUE),
            new Event.ProductListed(9, 0, false),
            new Event.PurchaseAccepted(23, 99, List.of(new LineChange(9, 0, 3, 17, LineChange.NOT_COUNTED)), 80));

    private final JournalRecordCodec codec = new JournalRecordCodec();

    @Test
    void everyCommandRoundTripsWithEveryEvent() {
        long sequence = 1_204_331;
        for (Command command : EVERY_COMMAND) {
            JournalRecord decoded = roundTrip(sequence, 1_700_000_000_123L, command, EVERY_EVENT);
            assertEquals(new JournalRecord(sequence, 1_700_000_000_123L, command, EVERY_EVENT,
                    JournalRecordDescriptor.CURRENT_VERSION), decoded);
            sequence++;
        }
    }

    @Test
    void decodingOnlyTheEventsStepsOverEveryKindOfCommand() {
        JournalRecordCodec decoder = new JournalRecordCodec();
        EventBuffer reused = new EventBuffer();
        for (Command command : EVERY_COMMAND) {
            int length = codec.encode(3, 4, command, EVERY_EVENT);
            byte[] copy = Arrays.copyOf(codec.buffer(), length);
            assertEquals(EVERY_EVENT, JournalRecordCodec.decodeEvents(copy, 0, length), command.toString());
            reused.clear();
            assertEquals(EVERY_EVENT.size(), decoder.decodeEvents(copy, 0, length, reused));
            assertEquals(EVERY_EVENT, reused.toEvents(), "into a reused buffer, after " + command);
            assertEquals(4, JournalRecordCodec.timeOf(copy, 0));
        }
        byte[] v0 = versionZeroBatch(new Command.Purchase(41, 1, 7, 3, 1));
        assertEquals(List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 41)), JournalRecordCodec.decodeEvents(v0, 0, v0.length));
    }

    @Test
    void everyEventEncodesFromABufferToTheBytesOfItsRecord() {
        EventBuffer buffer = new EventBuffer();
        buffer.writeAll(EVERY_EVENT);
        JournalRecordCodec fromRecords = new JournalRecordCodec();
        for (Command command : EVERY_COMMAND) {
            int length = fromRecords.encode(9, 10, command, EVERY_EVENT);
            assertEquals(length, codec.encode(9, 10, command, buffer));
            assertArrayEquals(Arrays.copyOf(fromRecords.buffer(), length), Arrays.copyOf(codec.buffer(), length),
                    command.toString());
        }
    }

    @Test
    void generatedDecisionsEncodeFromTheirBufferToTheBytesOfTheirRecords() {
        JournalRecordCodec fromRecords = new JournalRecordCodec();
        qt().withExamples(500).forAll(InventoryGenerators.histories()).checkAssert(history -> {
            MapInventoryStore store = new MapInventoryStore();
            EventBuffer buffer = new EventBuffer();
            long sequence = 0;
            for (Timed timed : history) {
                buffer.clear();
                Inventory.decide(timed.command(), timed.now(), store, buffer);
                int length = fromRecords.encode(sequence, timed.now(), timed.command(), buffer.toEvents());
                assertEquals(length, codec.encode(sequence, timed.now(), timed.command(), buffer), timed::toString);
                assertArrayEquals(Arrays.copyOf(fromRecords.buffer(), length), Arrays.copyOf(codec.buffer(), length),
                        timed::toString);
                Inventory.evolveAll(store, timed.now(), buffer);
                sequence++;
            }
        });
    }

    @Test
    void generatedHistoriesWithHoldsRoundTripAndTheirDecodedEventsReplayToTheLiveState() {
        JournalRecordCodec fromRecords = new JournalRecordCodec();
        qt().withExamples(300).forAll(InventoryGenerators.histories()).checkAssert(generated -> {
            List<Timed> history = withHolds(generated);
            MapInventoryStore live = new MapInventoryStore();
            MapInventoryStore replayed = new MapInventoryStore();
            EventBuffer buffer = new EventBuffer();
            JournalRecordCodec decoder = new JournalRecordCodec();
            EventBuffer decoded = new EventBuffer();
            long sequence = 0;
            for (Timed timed : history) {
                buffer.clear();
                Inventory.decide(timed.command(), timed.now(), live, buffer);
                List<Event> events = buffer.toEvents();
                int length = fromRecords.encode(sequence, timed.now(), timed.command(), events);
                assertEquals(length, codec.encode(sequence, timed.now(), timed.command(), buffer), timed::toString);
                byte[] record = Arrays.copyOf(codec.buffer(), length);
                assertArrayEquals(Arrays.copyOf(fromRecords.buffer(), length), record, timed::toString);
                assertEquals(new JournalRecord(sequence, timed.now(), timed.command(), events,
                        JournalRecordDescriptor.CURRENT_VERSION), JournalRecordCodec.decode(record, 0, length));
                Inventory.evolveAll(live, timed.now(), buffer);
                decoded.clear();
                decoder.decodeEvents(record, 0, length, decoded);
                assertEquals(events, decoded.toEvents(), timed::toString);
                Inventory.evolveAll(replayed, timed.now(), decoded);
                sequence++;
            }
            assertEquals(StateDigest.of(live), StateDigest.of(replayed), () -> InventoryGenerators.describe(history));
        });
    }

    /**
     * {@code history} with holds: every third command held until a little later (some already due), every
     * fifth followed by a cancel of the hold before last, and a time command at the end that releases what is due.
     */
    private static List<Timed> withHolds(List<Timed> history) {
        List<Timed> held = new ArrayList<>();
        long holdId = 0;
        for (int i = 0; i < history.size(); i++) {
            Timed timed = history.get(i);
            if (i % 3 == 2 && !(timed.command() instanceof Command.ExpireReservations)) {
                held.add(new Timed(timed.now(), new Command.Hold(++holdId, timed.now() + (i % 4 - 1) * 7,
                        timed.command())));
            } else {
                held.add(timed);
            }
            if (i % 5 == 4 && holdId > 1) {
                held.add(new Timed(timed.now(), new Command.CancelHold(holdId - 1)));
            }
        }
        held.add(new Timed(history.getLast().now() + 100, new Command.ExpireReservations()));
        return held;
    }

    @Test
    void everyEventRoundTripsOnItsOwn() {
        for (Event event : EVERY_EVENT) {
            assertEquals(List.of(event), roundTrip(5, 6, new Command.CancelPurchase(1), List.of(event)).events());
        }
    }

    @Test
    void aCommandWithNoEventsRoundTrips() {
        assertEquals(List.of(), roundTrip(0, 0, new Command.ExpireReservations(), List.of()).events());
    }

    @Test
    void aVersionZeroRecordWithoutBatchModeDecodesAsAnAtomicBatch() {
        Command member = new Command.Purchase(41, 1, 7, 3, 1);
        byte[] record = versionZeroBatch(member);

        assertTrue(codec.checksumMatches(record, 0, record.length));
        JournalRecord decoded = JournalRecordCodec.decode(record, 0, record.length);

        assertEquals(JournalRecordDescriptor.VERSION_WITHOUT_BATCH_MODE, decoded.schemaVersion());
        assertEquals(new Batch(Batch.Mode.ATOMIC, List.of(member)), decoded.command());
        assertEquals(List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 41)), decoded.events());
        assertEquals(9, decoded.sequence());
    }

    @Test
    void aRecordJournaledWhenDecideThrewReadsAsTheEnginesRefusalAndIsStillWrittenInTheSameBytes() {
        // written by hand, field by field, as the engine has journaled a command whose decide threw since the
        // domain's enum held INTERNAL_ERROR: a CancelPurchase and one Rejected event with reason code 23
        int length = JournalRecordDescriptor.HEADER_LENGTH_WITHOUT_EPOCH + 1 + 8 + 1 + 2 + 8
                + JournalRecordDescriptor.CHECKSUM_LENGTH;
        ByteBuffer bytes = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putInt(JournalRecordDescriptor.LENGTH_OFFSET, length)
                .putShort(JournalRecordDescriptor.VERSION_OFFSET, (short) 2)
                .putShort(JournalRecordDescriptor.EVENT_COUNT_OFFSET, (short) 1)
                .putLong(JournalRecordDescriptor.SEQUENCE_OFFSET, 41)
                .putLong(JournalRecordDescriptor.TIME_OFFSET, 1_700_000_000_000L);
        bytes.position(JournalRecordDescriptor.HEADER_LENGTH_WITHOUT_EPOCH);
        bytes.put((byte) 6).putLong(9).put((byte) 11).putShort((short) 23).putLong(9);
        byte[] record = bytes.array();
        putIntLe(record, length - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(record, 0, length));

        assertTrue(codec.checksumMatches(record, 0, length));
        List<Event> refused = List.of(new Event.Rejected(EngineRefusal.INTERNAL_ERROR, 9));
        assertEquals(new JournalRecord(41, 1_700_000_000_000L, new Command.CancelPurchase(9), refused, 2),
                JournalRecordCodec.decode(record, 0, length));
        assertEquals(refused, JournalRecordCodec.decodeEvents(record, 0, length));
        int encoded = codec.encode(41, 1_700_000_000_000L, new Command.CancelPurchase(9), refused);
        assertEquals(length + 8, encoded);
        assertArrayEquals(record, withoutBytes(Arrays.copyOf(codec.buffer(), encoded), 2,
                JournalRecordDescriptor.EPOCH_OFFSET));
    }

    @Test
    void aRejectionCodeNoReasonHasIsRefusedByName() {
        int length = codec.encode(1, 2, new Command.CancelPurchase(9), List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 9)));
        byte[] record = Arrays.copyOf(codec.buffer(), length);
        record[length - JournalRecordDescriptor.CHECKSUM_LENGTH - 8 - 2] = 99;
        assertEquals("no rejection reason has code 99", assertThrows(IllegalArgumentException.class,
                () -> JournalRecordCodec.decode(record, 0, record.length)).getMessage());
    }

    @Test
    void aVersionOneTimeCommandWithoutAWindowDecodesAsOneThatNeverForgets() {
        Command.ExpireReservations tick = new Command.ExpireReservations(60_000);
        int length = codec.encode(9, 10, new Batch(Batch.Mode.INDEPENDENT, List.of(tick, tick)),
                List.of(new Event.ReservationExpired(5, CHANGES)));
        byte[] current = Arrays.copyOf(codec.buffer(), length);
        int firstWindowAt = JournalRecordDescriptor.HEADER_LENGTH + 1 + 1 + 4 + 1;
        byte[] v1 = withoutBytes(current, 1, JournalRecordDescriptor.EPOCH_OFFSET, firstWindowAt,
                firstWindowAt + 8 + 1);

        assertTrue(codec.checksumMatches(v1, 0, v1.length));
        JournalRecord decoded = JournalRecordCodec.decode(v1, 0, v1.length);
        Command.ExpireReservations never = new Command.ExpireReservations(Long.MAX_VALUE);
        assertEquals(1, decoded.schemaVersion());
        assertEquals(new Batch(Batch.Mode.INDEPENDENT, List.of(never, never)), decoded.command());
        assertEquals(List.of(new Event.ReservationExpired(5, CHANGES)), decoded.events());
        assertEquals(decoded.events(), JournalRecordCodec.decodeEvents(v1, 0, v1.length));
    }

    @Test
    void aListingOfAVersionBeforeTheCountingChoiceDecodesCountingItsCustomers() {
        int length = codec.encode(9, 10, new Command.ListProduct(5, 2), List.of(new Event.ProductListed(5, 2)));
        byte[] current = Arrays.copyOf(codec.buffer(), length);
        int commandCountingAt = JournalRecordDescriptor.HEADER_LENGTH + 1 + 2 * Long.BYTES;
        int eventCountingAt = commandCountingAt + 1 + 1 + 2 * Long.BYTES;
        assertEquals(1, current[commandCountingAt]);
        assertEquals(1, current[eventCountingAt]);
        byte[] v4 = withoutFields(current, 4, 1, commandCountingAt, eventCountingAt);

        assertTrue(codec.checksumMatches(v4, 0, v4.length));
        JournalRecord decoded = JournalRecordCodec.decode(v4, 0, v4.length);
        assertEquals(4, decoded.schemaVersion());
        assertEquals(new Command.ListProduct(5, 2, true), decoded.command());
        assertEquals(List.of(new Event.ProductListed(5, 2, true)), decoded.events());
        assertEquals(decoded.events(), JournalRecordCodec.decodeEvents(v4, 0, v4.length), "the command stepped over");
    }

    @Test
    void aCountingByteThatIsNeitherChoiceIsRefusedAsDamage() {
        int length = codec.encode(9, 10, Command.ListProduct.uncounted(5), List.of());
        byte[] record = Arrays.copyOf(codec.buffer(), length);
        record[JournalRecordDescriptor.HEADER_LENGTH + 1 + 2 * Long.BYTES] = 2;
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> JournalRecordCodec.decode(record, 0, record.length));
        assertTrue(refused.getMessage().contains("unknown customer counting 2"), refused.getMessage());
    }

    @Test
    void theEpochRoundTripsAndIsReadWithoutDecodingTheRest() {
        qt().forAll(longs().between(0, Long.MAX_VALUE), longs().between(0, 1L << 40)).checkAssert((epoch, sequence) -> {
            JournalRecordCodec stamped = new JournalRecordCodec().epoch(epoch);
            Command command = new Command.Purchase(sequence, 3, 4, 5, 1);
            int length = stamped.encode(sequence, 77, command, EVERY_EVENT);
            byte[] record = Arrays.copyOf(stamped.buffer(), length);

            assertTrue(stamped.checksumMatches(record, 0, length));
            assertEquals(new JournalRecord(sequence, 77, command, EVERY_EVENT, JournalRecordDescriptor.CURRENT_VERSION,
                    epoch), JournalRecordCodec.decode(record, 0, length));
            assertEquals(epoch, JournalRecordCodec.epochOf(record, 0, length));
            assertEquals(EVERY_EVENT, JournalRecordCodec.decodeEvents(record, 0, length));
        });
    }

    @Test
    void recordsOfEveryVersionBeforeTheEpochReadAsEpochZero() {
        byte[] v0 = versionZeroBatch(new Command.Purchase(41, 1, 7, 3, 1));
        JournalRecordCodec nine = new JournalRecordCodec().epoch(9);
        byte[] current = Arrays.copyOf(nine.buffer(), nine.encode(9, 10, new Command.ExpireReservations(60_000), List.of()));
        byte[] v2 = withoutBytes(current, 2, JournalRecordDescriptor.EPOCH_OFFSET);
        byte[] v1 = withoutBytes(current, 1, JournalRecordDescriptor.EPOCH_OFFSET, JournalRecordDescriptor.HEADER_LENGTH + 1);

        for (byte[] old : List.of(v0, v1, v2)) {
            assertTrue(codec.checksumMatches(old, 0, old.length));
            JournalRecord decoded = JournalRecordCodec.decode(old, 0, old.length);
            assertEquals(JournalEpoch.INITIAL, decoded.epoch(), decoded.toString());
            assertEquals(JournalEpoch.INITIAL, JournalRecordCodec.epochOf(old, 0, old.length));
        }
        assertEquals(new Command.ExpireReservations(Long.MAX_VALUE), JournalRecordCodec.decode(v1, 0, v1.length).command());
        assertEquals(new Command.ExpireReservations(60_000), JournalRecordCodec.decode(v2, 0, v2.length).command());
        assertEquals(9, JournalRecordCodec.decode(current, 0, current.length).epoch());
    }

    @Test
    void aNegativeEpochIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> codec.epoch(-1));
        assertEquals(0, codec.epoch());
    }

    @Test
    void aRecordOfANewerSchemaIsRefusedByName() {
        int length = codec.encode(1, 2, new Command.ExpireReservations(), List.of());
        byte[] record = Arrays.copyOf(codec.buffer(), length);
        record[JournalRecordDescriptor.VERSION_OFFSET] = (byte) (JournalRecordDescriptor.CURRENT_VERSION + 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JournalRecordCodec.decode(record, 0, record.length));
        assertTrue(e.getMessage().contains("schema version " + (JournalRecordDescriptor.CURRENT_VERSION + 1)),
                e.getMessage());
    }

    @Test
    void anyFlippedBitFailsTheChecksum() {
        int length = codec.encode(1, 2, EVERY_COMMAND.get(4), EVERY_EVENT);
        byte[] record = Arrays.copyOf(codec.buffer(), length);
        for (int i = 0; i < length; i++) {
            record[i] ^= 0x10;
            assertFalse(codec.checksumMatches(record, 0, length), "flip at byte " + i);
            record[i] ^= 0x10;
        }
        assertTrue(codec.checksumMatches(record, 0, length));
    }

    @Test
    void aBatchNestedFarDeeperThanTheEncoderWritesDecodesAndIsSteppedOverWithoutRecursion() {
        int depth = 200_000;
        List<Event> events = List.of(new Event.Rejected(Reason.BATCH_TOO_DEEP, 0));
        byte[] record = nestedRecord(codec, 7, 8, depth, Batch.Mode.INDEPENDENT, events);
        assertTrue(codec.checksumMatches(record, 0, record.length));

        JournalRecord decoded = JournalRecordCodec.decode(record, 0, record.length);

        assertEquals(events, decoded.events());
        Command command = decoded.command();
        for (int level = 0; level < depth; level++) {
            Batch batch = assertInstanceOf(Batch.class, command, "level " + level);
            assertEquals(Batch.Mode.INDEPENDENT, batch.mode());
            assertEquals(1, batch.commands().size());
            command = batch.commands().getFirst();
        }
        assertEquals(new Command.ExpireReservations(), command);
        assertEquals(events, JournalRecordCodec.decodeEvents(record, 0, record.length));
    }

    @Test
    void theEncoderNestsBatchesUpToItsLimitAndRefusesDeeperOnesByName() {
        Command deepest = nested(JournalRecordDescriptor.MAX_COMMAND_DEPTH);
        List<Event> events = List.of(new Event.Rejected(Reason.BATCH_TOO_DEEP, 0));
        assertEquals(JournalRecordDescriptor.MAX_COMMAND_DEPTH, depthOf(roundTrip(1, 2, deepest, events).command()));

        for (int depth : new int[]{JournalRecordDescriptor.MAX_COMMAND_DEPTH + 1, 10_000, 100_000}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> codec.encode(3, 4, nested(depth), events));
            assertEquals("journal record seq 3 would nest batches more than " + JournalRecordDescriptor.MAX_COMMAND_DEPTH
                    + " deep, deeper than a record carries; nest batches at most " + Limits.MAX_BATCH_DEPTH
                    + " deep, as the domain allows", refused.getMessage());
        }
        assertEquals(EVERY_COMMAND.get(11), roundTrip(5, 6, EVERY_COMMAND.get(11), EVERY_EVENT).command(),
                "the codec encodes on after a refusal");
    }

    @Test
    void aHoldNestedFarDeeperThanTheEncoderWritesDecodesAndIsSteppedOverWithoutRecursion() {
        int depth = 200_000;
        List<Event> events = List.of(new Event.Rejected(Reason.NOT_HOLDABLE, 1));
        int length = codec.encode(7, 8, new Command.Hold(1, 5, new Command.CancelHold(2)), events);
        byte[] record = repeated(Arrays.copyOf(codec.buffer(), length), JournalRecordDescriptor.HEADER_LENGTH,
                HOLD_HEADER, depth);
        assertTrue(codec.checksumMatches(record, 0, record.length));

        JournalRecord decoded = JournalRecordCodec.decode(record, 0, record.length);

        assertEquals(events, decoded.events());
        Command command = decoded.command();
        for (int level = 0; level < depth; level++) {
            Command.Hold hold = assertInstanceOf(Command.Hold.class, command, "level " + level);
            assertEquals(new Command.Hold(1, 5, hold.command()), hold);
            command = hold.command();
        }
        assertEquals(new Command.CancelHold(2), command);
        assertEquals(events, JournalRecordCodec.decodeEvents(record, 0, record.length));
    }

    @Test
    void aCommandHeldEventWhoseCommandNestsFarDeeperThanTheEncoderWritesDecodesWithoutRecursion() {
        int depth = 200_000;
        Command inner = new Command.Hold(2, 6, new Command.ExpireReservations());
        int length = codec.encode(7, 8, new Command.CancelHold(1), List.of(new Event.CommandHeld(1, 5, inner),
                new Event.HoldCancelled(1)));
        int innerAt = JournalRecordDescriptor.HEADER_LENGTH + 1 + 8 + 1 + 8 + 8;
        byte[] record = repeated(Arrays.copyOf(codec.buffer(), length), innerAt, HOLD_HEADER, depth);

        List<Event> events = JournalRecordCodec.decodeEvents(record, 0, record.length);

        assertEquals(2, events.size());
        assertEquals(new Event.HoldCancelled(1), events.get(1));
        Command command = assertInstanceOf(Event.CommandHeld.class, events.getFirst()).command();
        for (int level = 0; level < depth; level++) {
            command = assertInstanceOf(Command.Hold.class, command, "level " + level).command();
        }
        assertEquals(new Command.ExpireReservations(), command);
    }

    @Test
    void theEncoderNestsHoldsUpToItsLimitAndRefusesDeeperOnesByName() {
        Command deepest = new Command.CancelHold(1);
        for (int i = 0; i < JournalRecordDescriptor.MAX_COMMAND_DEPTH; i++) {
            deepest = new Command.Hold(i + 1, i, deepest);
        }
        List<Event> events = List.of(new Event.Rejected(Reason.NOT_HOLDABLE, 1));
        assertEquals(deepest, roundTrip(1, 2, deepest, events).command());

        Command tooDeep = new Command.Hold(99, 0, deepest);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> codec.encode(3, 4, tooDeep, events));
        assertEquals("journal record seq 3 would nest holds more than " + JournalRecordDescriptor.MAX_COMMAND_DEPTH
                + " deep, deeper than a record carries; nest batches at most " + Limits.MAX_BATCH_DEPTH
                + " deep, as the domain allows", refused.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> codec.encode(3, 4, new Command.CancelHold(1), List.of(new Event.CommandHeld(1, 2, tooDeep))));
        Command held = EVERY_COMMAND.get(16);
        assertEquals(held, roundTrip(5, 6, held, EVERY_EVENT).command(), "the codec encodes on after a refusal");
    }

    @Test
    void aHoldTagInARecordOfAVersionBeforeHoldsIsRefusedByName() {
        List<Event> none = List.of();
        String[] expected = {
                "command tag 12 in a record of schema version 2, which came with version 3",
                "command tag 13 in a record of schema version 2, which came with version 3",
                "event tag 14 in a record of schema version 2, which came with version 3",
                "event tag 15 in a record of schema version 2, which came with version 3",
                "event tag 16 in a record of schema version 2, which came with version 3"};
        byte[][] records = {
                versionTwo(new Command.Hold(1, 2, new Command.CancelPurchase(3)), none),
                versionTwo(new Command.CancelHold(1), none),
                versionTwo(new Command.CancelPurchase(3), List.of(new Event.CommandHeld(1, 2, new Command.CancelPurchase(3)))),
                versionTwo(new Command.CancelPurchase(3), List.of(new Event.HoldReleased(1))),
                versionTwo(new Command.CancelPurchase(3), List.of(new Event.HoldCancelled(1)))};
        for (int i = 0; i < records.length; i++) {
            byte[] record = records[i];
            assertTrue(codec.checksumMatches(record, 0, record.length));
            assertEquals(expected[i], assertThrows(IllegalArgumentException.class,
                    () -> JournalRecordCodec.decode(record, 0, record.length)).getMessage());
            assertEquals(expected[i], assertThrows(IllegalArgumentException.class,
                    () -> JournalRecordCodec.decodeEvents(record, 0, record.length)).getMessage());
        }
    }

    @Test
    void aHeldCommandWithAnIdOutsideTheDomainsRangeIsRefusedAsDamage() {
        int length = codec.encode(1, 2, new Command.Hold(1, 2, new Command.CancelPurchase(3)), List.of());
        byte[] record = Arrays.copyOf(codec.buffer(), length);
        putLongLe(record, JournalRecordDescriptor.HEADER_LENGTH + 1, -4);
        putIntLe(record, length - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(record, 0, length));

        assertEquals("hold id -4 is outside 0.." + Long.MAX_VALUE, assertThrows(IllegalArgumentException.class,
                () -> JournalRecordCodec.decode(record, 0, record.length)).getMessage());
    }

    /** A hold's tag, id and time: what comes before its command. */
    private static final int HOLD_HEADER = 1 + 8 + 8;

    /** {@code record} with its {@code length} bytes at {@code at} repeated {@code times} times, length and CRC redone. */
    private byte[] repeated(byte[] record, int at, int length, int times) {
        byte[] longer = new byte[record.length + (times - 1) * length];
        System.arraycopy(record, 0, longer, 0, at);
        for (int i = 0; i < times; i++) {
            System.arraycopy(record, at, longer, at + i * length, length);
        }
        System.arraycopy(record, at + length, longer, at + times * length, record.length - at - length);
        putIntLe(longer, JournalRecordDescriptor.LENGTH_OFFSET, longer.length);
        putIntLe(longer, longer.length - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(longer, 0, longer.length));
        return longer;
    }

    /** The record of {@code command} and {@code events} with its version set to 2, checksum redone. */
    private byte[] versionTwo(Command command, List<Event> events) {
        int length = codec.encode(1, 2, command, events);
        return withoutBytes(Arrays.copyOf(codec.buffer(), length), 2, JournalRecordDescriptor.EPOCH_OFFSET);
    }

    private static void putLongLe(byte[] bytes, int at, long value) {
        for (int i = 0; i < 8; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }

    @Test
    void theEncoderRefusesARecordLargerThanChronicleQueueTakes() {
        int purchases = JournalRecordDescriptor.MAX_RECORD_LENGTH / 35 + 1;
        Command[] members = new Command[purchases];
        for (int i = 0; i < purchases; i++) {
            members[i] = new Command.Purchase(i + 1, 1, 1, 1, 1);
        }
        Batch tooLarge = new Batch(Batch.Mode.INDEPENDENT, List.of(members));

        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> codec.encode(9, 10, tooLarge, List.of(new Event.Rejected(Reason.BATCH_TOO_LARGE, 0))));

        assertEquals("journal record seq 9 would take more than " + JournalRecordDescriptor.MAX_RECORD_LENGTH
                + " bytes, the most a record takes (Chronicle Queue's largest message); split the command into smaller "
                + "ones", refused.getMessage());
        assertTrue(codec.buffer().length <= JournalRecordDescriptor.MAX_RECORD_LENGTH, "the buffer stopped growing");
        assertEquals(EVERY_EVENT, roundTrip(11, 12, EVERY_COMMAND.get(4), EVERY_EVENT).events());
    }

    @Test
    void theEncodersLimitsAreFarAboveWhatTheDomainAllows() {
        assertTrue(JournalRecordDescriptor.MAX_COMMAND_DEPTH >= 16 * Limits.MAX_BATCH_DEPTH);
        Line[] lines = new Line[Limits.MAX_LINES];
        LineChange[] changes = new LineChange[Limits.MAX_LINES];
        for (int i = 0; i < Limits.MAX_LINES; i++) {
            lines[i] = new Line(i + 1, 1, 1);
            changes[i] = new LineChange(i + 1, 1, 1, 0, 1);
        }
        Command[] orders = new Command[Limits.MAX_BATCH_COMMANDS];
        Event[] accepted = new Event[Limits.MAX_BATCH_COMMANDS];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = new Command.PlaceOrder(i + 1, i + 1, List.of(lines));
            accepted[i] = new Event.PurchaseAccepted(i + 1, i + 1, List.of(changes), i);
        }
        int length = codec.encode(1, 2, new Batch(Batch.Mode.ATOMIC, List.of(orders)), List.of(accepted));
        assertTrue(length * 4L < JournalRecordDescriptor.MAX_RECORD_LENGTH, length + " bytes");
    }

    @Test
    void aTruncatedRecordIsNotWhole() {
        int length = codec.encode(1, 2, EVERY_COMMAND.get(4), EVERY_EVENT);
        assertFalse(codec.checksumMatches(codec.buffer(), 0, length - 7));
    }

    private JournalRecord roundTrip(long sequence, long time, Command command, List<Event> events) {
        int length = codec.encode(sequence, time, command, events);
        byte[] copy = Arrays.copyOf(codec.buffer(), length);
        assertTrue(codec.checksumMatches(copy, 0, length));
        return JournalRecordCodec.decode(copy, 0, length);
    }

    /**
     * A record as version 0 wrote it, made by hand: the encoding of a one-member atomic batch with the epoch and
     * the mode byte cut out, the version set to 0, and the length and checksum redone.
     */
    private byte[] versionZeroBatch(Command member) {
        int length = codec.encode(9, 10, new Batch(Batch.Mode.ATOMIC, List.of(member)),
                List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 41)));
        byte[] v1 = withoutBytes(Arrays.copyOf(codec.buffer(), length), 1, JournalRecordDescriptor.EPOCH_OFFSET);
        length = v1.length;
        int modeAt = JournalRecordDescriptor.HEADER_LENGTH_WITHOUT_EPOCH + 1;
        assertEquals(0, v1[modeAt]);
        byte[] v0 = new byte[length - 1];
        System.arraycopy(v1, 0, v0, 0, modeAt);
        System.arraycopy(v1, modeAt + 1, v0, modeAt, length - modeAt - 1);
        v0[JournalRecordDescriptor.VERSION_OFFSET] = 0;
        v0[JournalRecordDescriptor.VERSION_OFFSET + 1] = 0;
        putIntLe(v0, JournalRecordDescriptor.LENGTH_OFFSET, v0.length);
        CRC32C crc = new CRC32C();
        crc.update(v0, 0, v0.length - 4);
        putIntLe(v0, v0.length - 4, (int) crc.getValue());
        return v0;
    }

    /**
     * {@code record} as an encoder of {@code version} wrote it: the 8 bytes at each of {@code fieldsAt} (the
     * fields that version lacks, offsets in the current record, ascending) taken out, length and CRC redone.
     */
    private static byte[] withoutBytes(byte[] record, int version, int... fieldsAt) {
        return withoutFields(record, version, Long.BYTES, fieldsAt);
    }

    /** As {@link #withoutBytes(byte[], int, int...)}, for fields {@code width} bytes wide. */
    private static byte[] withoutFields(byte[] record, int version, int width, int... fieldsAt) {
        byte[] older = new byte[record.length - width * fieldsAt.length];
        int from = 0;
        int to = 0;
        for (int at : fieldsAt) {
            System.arraycopy(record, from, older, to, at - from);
            to += at - from;
            from = at + width;
        }
        System.arraycopy(record, from, older, to, record.length - from);
        older[JournalRecordDescriptor.VERSION_OFFSET] = (byte) version;
        older[JournalRecordDescriptor.VERSION_OFFSET + 1] = 0;
        putIntLe(older, JournalRecordDescriptor.LENGTH_OFFSET, older.length);
        CRC32C crc = new CRC32C();
        crc.update(older, 0, older.length - 4);
        putIntLe(older, older.length - 4, (int) crc.getValue());
        return older;
    }

    /** {@code depth} batches, each holding the next, around an {@code ExpireReservations}. */
    static Command nested(int depth) {
        Command command = new Command.ExpireReservations();
        for (int i = 0; i < depth; i++) {
            command = new Batch(Batch.Mode.ATOMIC, List.of(command));
        }
        return command;
    }

    private static int depthOf(Command command) {
        int depth = 0;
        while (command instanceof Batch batch) {
            depth++;
            command = batch.commands().getFirst();
        }
        return depth;
    }

    /**
     * A record of {@code depth} nested one-member batches, made by hand as an encoder with no depth limit wrote
     * it: the encoding of one such batch with its batch header repeated {@code depth} times, and the length and
     * checksum redone.
     */
    static byte[] nestedRecord(JournalRecordCodec codec, long sequence, long time, int depth, Batch.Mode mode,
                               List<Event> events) {
        int length = codec.encode(sequence, time, new Batch(mode, List.of(new Command.ExpireReservations())), events);
        byte[] one = Arrays.copyOf(codec.buffer(), length);
        int header = JournalRecordDescriptor.HEADER_LENGTH;
        int batchHeader = 1 + 1 + 4;
        assertEquals(JournalRecordDescriptor.BATCH, one[header]);
        byte[] deep = new byte[length + (depth - 1) * batchHeader];
        System.arraycopy(one, 0, deep, 0, header);
        for (int i = 0; i < depth; i++) {
            System.arraycopy(one, header, deep, header + i * batchHeader, batchHeader);
        }
        System.arraycopy(one, header + batchHeader, deep, header + depth * batchHeader, length - header - batchHeader);
        putIntLe(deep, JournalRecordDescriptor.LENGTH_OFFSET, deep.length);
        putIntLe(deep, deep.length - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(deep, 0, deep.length));
        return deep;
    }

    private static void putIntLe(byte[] bytes, int at, int value) {
        for (int i = 0; i < 4; i++) {
            bytes[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
