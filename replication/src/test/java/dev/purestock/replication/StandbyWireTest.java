package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.InventoryStore;
import dev.purestock.domain.StateDigest;
import dev.purestock.engine.PrimitiveInventoryStore;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalFaults;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalRecordDescriptor;
import dev.purestock.journal.JournalRecovery;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.ReplayProgress;
import io.aeron.AeronCounters;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a standby does with what its primary sends, the primary played on the wire by the test. */
class StandbyWireTest {
    /** Longer than Aeron's publication connection timeout (5 s), after which a publication no receiver answers is lost. */
    private static final Duration CONNECTION_LOST = Duration.ofSeconds(30);

    @TempDir
    Path standbyDir;

    /**
     * A primary counts a standby's acknowledgements only once it checked its hello, so the standby acknowledges what
     * it holds as soon as the primary answers that hello, even with no record to journal: records it journaled
     * after sending the hello (from the stream before it) would otherwise stay unacknowledged, since the primary
     * sends them again as duplicates, which the standby skips without acknowledging, and a SYNC primary waiting
     * for them times out.
     */
    @Test
    void aStandbyAcknowledgesWhatItHoldsOnceThePrimaryAnswersItsHello() throws Exception {
        try (FakePrimary primary = new FakePrimary();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).listen("127.0.0.1:0").start()) {
            primary.awaitHello();
            UnsafeBuffer message = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.HEARTBEAT, 0, -1,
                    primary.helloId);
            primary.poll(() -> {
                primary.data.offer(message, 0, ReplicationMessageDescriptor.HEADER_LENGTH);
                return primary.ackId == primary.helloId;
            }, "the standby's acknowledgement once its hello was answered");
            assertEquals(standby.lastSequence(), primary.ackSequence);
            assertEquals(primary.helloLast, primary.ackSequence);
        }
    }

    /**
     * A record the standby cannot admit (here: of a newer format than it reads, as from a primary already upgraded)
     * stops it with the reason, the records before it in the same message journaled and counted. It escaped the
     * receiver instead, leaving those records journaled but neither counted nor applied, and the next round stopped
     * the standby for the wrong reason (trying to journal seq 0 a second time), its status saying it held none.
     */
    @Test
    void aRecordTheStandbyCannotAdmitStopsItWithoutJournalingTheOnesBeforeItTwice() throws Exception {
        JournalRecordCodec codec = new JournalRecordCodec();
        int first = codec.encode(0, 1_000, new Command.ListProduct(1, 10), List.of(new Event.ProductListed(1, 10)));
        byte[] good = Arrays.copyOf(codec.buffer(), first);
        int second = codec.encode(1, 1_001, new Command.ListProduct(2, 10), List.of(new Event.ProductListed(2, 10)));
        byte[] newer = Arrays.copyOf(codec.buffer(), second);
        UnsafeBuffer patch = new UnsafeBuffer(newer);
        patch.putShort(JournalRecordDescriptor.VERSION_OFFSET, (short) (JournalRecordDescriptor.CURRENT_VERSION + 1),
                ByteOrder.LITTLE_ENDIAN);
        patch.putInt(second - JournalRecordDescriptor.CHECKSUM_LENGTH, codec.checksum(newer, 0, second),
                ByteOrder.LITTLE_ENDIAN);
        Standby stopped = sendUntilTheStandbyStops(good, newer);

        assertTrue(stopped.status().failure().contains("seq 1 ") && stopped.status().failure().contains("version"),
                stopped.status().describe());
        assertEquals(0, stopped.lastSequence(), "seq 0 journaled and counted");
        List<JournalRecord> journaled = Journals.decoded(standbyDir);
        assertEquals(1, journaled.size(), "seq 0 journaled once: " + journaled);
        assertEquals(0, journaled.get(0).sequence());
    }

    /**
     * A record whose bytes check out but whose events stop decoding part of the way (a primary's bug, or damage the
     * checksum missed) stops the standby at it: the records before it in the message are journaled and applied, and
     * not one of its own events is applied, though the receiver decodes a message's records one after another into
     * one buffer and the record's first event had been read into it.
     */
    @Test
    void aRecordWhoseEventsStopDecodingPartWayIsNotAppliedInPart() throws Exception {
        JournalRecordCodec codec = new JournalRecordCodec();
        int first = codec.encode(0, 1_000, new Command.ListProduct(1, 10), List.of(new Event.ProductListed(1, 10)));
        byte[] good = Arrays.copyOf(codec.buffer(), first);
        int second = codec.encode(1, 1_001, new Command.ListProduct(2, 10),
                List.of(new Event.ProductListed(2, 10), new Event.ProductListed(3, 10)));
        byte[] broken = Arrays.copyOf(codec.buffer(), second);
        int productListedLength = 1 + 8 + 8 + 1;
        broken[second - JournalRecordDescriptor.CHECKSUM_LENGTH - productListedLength] = 0x7F; // no event's tag
        new UnsafeBuffer(broken).putInt(second - JournalRecordDescriptor.CHECKSUM_LENGTH,
                codec.checksum(broken, 0, second), ByteOrder.LITTLE_ENDIAN);

        Standby stopped = sendUntilTheStandbyStops(good, broken);

        assertTrue(stopped.status().failure().contains("seq 1 ")
                && stopped.status().failure().contains("unknown event tag"), stopped.status().describe());
        assertEquals(0, stopped.lastSequence(), "seq 0 journaled and counted; its state a replay of seq 0 alone");
        List<JournalRecord> journaled = Journals.decoded(standbyDir);
        assertEquals(1, journaled.size(), "seq 0 journaled once: " + journaled);
    }

    /**
     * A record the standby's journal cannot take (its disk is full) stops the standby, and it acknowledges nothing its
     * journal does not hold. The records before it in the round were gathered into a journal document that was never
     * appended (the failing record's append found no room for it), yet they were counted as journaled and
     * acknowledged: a SYNC primary answered purchases no standby journal held.
     */
    @Test
    void aStandbyWhoseJournalCannotBeWrittenAcknowledgesNothingItsJournalDoesNotHold() throws Exception {
        try (DiskStandby standby = new DiskStandby(0)) {
            standby.send(standby.message(0, 1));
            standby.awaitStopped("the record its journal could not take");
            // the round that failed acknowledges what the journal holds (the answer to the hello); none follows
            standby.primary.poll(() -> {
                standby.turn();
                return standby.primary.ackId == standby.primary.helloId;
            }, "the standby's acknowledgement of the round");
            assertTrue(standby.receiver.status().failure().contains("seq 1 "), standby.receiver.status().describe());
            assertEquals(-1, standby.primary.ackSequence, "acknowledged a record its journal does not hold");
            assertEquals(-1, standby.receiver.lastSequence(), standby.receiver.status().describe());
            assertThrows(ReplicationException.class, () -> standby.receiver.awaitSequence(0, 0));
            standby.assertShowsWhatItsJournalHolds();
        }
        assertNoCycleFile();
    }

    /**
     * A standby that stopped takes nothing more, so it keeps no subscription to its primary's records either: while it
     * kept one, its media driver went on answering the primary's publication, which stayed connected, and the primary
     * said in its status (and in a SYNC timeout's message) that a standby was connected which would never acknowledge
     * anything again. Now the primary's publication loses the connection (within Aeron's connection timeout).
     */
    @Test
    void aStandbyThatStoppedLeavesItsPrimarysPublicationUnconnected() throws Exception {
        try (DiskStandby standby = new DiskStandby(0)) {
            standby.send(standby.message(0, 1));
            standby.awaitStopped("the record its journal could not take");
            standby.primary.poll(() -> {
                standby.turn();
                return !standby.primary.data.isConnected();
            }, "the primary's publication to the stopped standby to lose its connection", CONNECTION_LOST);
        }
    }

    /**
     * A standby applies a record only once its journal holds it: a round whose journal document cannot be appended
     * at its end (the disk filled up since the standby started on the records its journal held) leaves the standby's
     * state as its journal has it. The receiver applied each message's records as it took them, before the round's
     * end appended them, so its readers (its read queries, its digest) saw records its journal never got, until a
     * restart rebuilt the state from the journal.
     */
    @Test
    void aRoundItsJournalCannotTakeIsNotAppliedToTheStandbysState() throws Exception {
        try (DiskStandby standby = new DiskStandby(2)) {
            standby.send(standby.message(2));
            standby.awaitStopped("the round its journal could not take");
            assertTrue(standby.receiver.status().failure().contains("journal cannot be written"),
                    standby.receiver.status().describe());
            assertEquals(1, standby.receiver.lastSequence(), standby.receiver.status().describe());
            standby.assertShowsWhatItsJournalHolds();
        }
    }

    /**
     * A standby that syncs its journal at the end of each round ({@code purestock standby --sync}) counts a record
     * as held once the sync is done, and applies it then: its state, its last sequence and its acknowledgement are
     * those of its synced journal.
     */
    @Test
    void aStandbyThatSyncsItsJournalAppliesWhatItSynced() throws Exception {
        JournalRecordCodec codec = new JournalRecordCodec();
        try (FakePrimary primary = new FakePrimary();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).listen("127.0.0.1:0")
                     .durability(Durability.SYNC_PER_BATCH).start()) {
            primary.awaitHello();
            UnsafeBuffer message = new UnsafeBuffer(new byte[64 << 10]);
            int at = ReplicationMessageDescriptor.HEADER_LENGTH;
            for (long sequence = 0; sequence < 3; sequence++) {
                int length = codec.encode(sequence, 1_000 + sequence, new Command.ListProduct(sequence + 1, 10),
                        List.of(new Event.ProductListed(sequence + 1, 10)));
                message.putBytes(at, codec.buffer(), 0, length);
                at += length;
            }
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.RECORDS, 0, 2, primary.helloId);
            int end = at;
            primary.poll(() -> primary.data.offer(message, 0, end) > 0, "the records sent");
            primary.poll(() -> primary.ackSequence == 2, "the standby's acknowledgement of seq 2");
            assertTrue(standby.awaitSequence(2, WAIT));
            Journals.assertStateIsAReplayOf(standbyDir, standby.lastSequence(), standby.digest());
        }
    }

    /**
     * A round its journal takes long to end (a sync on a slow disk, with {@code --sync}; a document's first write to a
     * new cycle file here, moving the receiver's clock two seconds on) is no silence of the primary: the standby
     * judged its primary silent by the time after the round had ended, so a round of more than a second had it log
     * the primary silent and ask again, and the primary send the stream again from its last sequence. It now judges
     * by the time its poll began, when the round's message had just arrived; the primary's heartbeat from those two
     * seconds comes in its next poll, and it follows the same hello on.
     */
    @Test
    void aRoundItsJournalTakesLongToEndIsNoSilenceOfThePrimary() throws Exception {
        Thread receiving = Thread.currentThread();
        AtomicReference<DiskStandby> slow = new AtomicReference<>();
        try (DiskStandby standby = new DiskStandby(0, () -> {
            if (Thread.currentThread() == receiving && slow.get() != null) {
                slow.get().ahead += TimeUnit.SECONDS.toNanos(2); // the write takes two seconds
            }
            return Long.MAX_VALUE;
        })) {
            UnsafeBuffer heartbeat = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
            ReplicationMessageDescriptor.putHeader(heartbeat, ReplicationMessageDescriptor.HEARTBEAT, 0, 0,
                    standby.primary.helloId);
            standby.send(heartbeat);
            standby.primary.poll(() -> {
                standby.turn();
                return standby.primary.ackId == standby.primary.helloId;
            }, "the standby's acknowledgement of its primary's answer");
            long hello = standby.receiver.helloId();

            slow.set(standby);
            standby.send(standby.message(0));
            standby.turn();
            assertEquals(0, standby.receiver.lastSequence(), "the round journaled seq 0");
            assertEquals(TimeUnit.SECONDS.toNanos(2), standby.ahead, "the round took two seconds");
            standby.send(heartbeat); // what the primary sent meanwhile
            standby.turn();
            assertEquals(hello, standby.receiver.helloId(), "the standby asked its primary again");
            assertTrue(standby.receiver.status().connected(), standby.receiver.status().describe());
        }
    }

    /**
     * A primary's order to cut the journal that comes in the same round as records ends that round first: the
     * records are journaled, and applied only if the journal took them. The receiver applied them before it ended
     * the round, and a journal that could not take them then stopped the standby saying the cut had failed, its state
     * holding records its journal did not.
     */
    @Test
    void aCutOrderedInARoundItsJournalCannotTakeStopsTheStandbyOnItsJournal() throws Exception {
        try (DiskStandby standby = new DiskStandby(0)) {
            UnsafeBuffer truncate = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
            ReplicationMessageDescriptor.putHeader(truncate, ReplicationMessageDescriptor.TRUNCATE, 0, -1,
                    standby.primary.helloId);
            standby.send(standby.message(0), truncate);
            standby.receiver.doWork();
            String failure = standby.receiver.status().failure();
            assertTrue(failure != null && failure.contains("journal cannot be written") && !failure.contains("cut"),
                    standby.receiver.status().describe());
            assertEquals(-1, standby.receiver.lastSequence(), standby.receiver.status().describe());
            standby.assertShowsWhatItsJournalHolds();
        }
        assertNoCycleFile();
    }

    /**
     * A standby stopped by its journal takes nothing more, not even from the messages that came with the one it
     * stopped at. It went on with them: a gap in the next one had it say hello again, naming as its last the record
     * its journal could not take (and that record's checksum), which a primary checks and then counts as
     * acknowledged; and a message that followed on had its records gathered into the failed journal and applied.
     */
    @Test
    void aStandbyStoppedByItsJournalTakesNothingMoreFromTheMessagesAfter() throws Exception {
        try (DiskStandby standby = new DiskStandby(0)) {
            long hello = standby.primary.helloId;
            standby.primary.followHellos = true;
            // both arrive before the receiver polls, so that one poll takes them: the second skips seq 1 to seq 2
            standby.send(standby.message(0, 1), standby.message(2));
            // a standby asks again at most once a hello interval: its clock moves past one, so that a hello is due, as
            // it is when a standby long served meets a gap
            standby.ahead += StandbyReceiver.HELLO_EVERY_NANOS;
            standby.receiver.doWork();
            assertTrue(standby.receiver.status().failure() != null, standby.receiver.status().describe());
            // what the failed round offered goes out together: its acknowledgement, and any hello after it
            standby.primary.poll(() -> {
                standby.transport.invoke();
                return standby.primary.ackId == hello;
            }, "the standby's acknowledgement of the round");
            assertEquals(hello, standby.primary.helloId, "a stopped standby said hello again from seq "
                    + standby.primary.helloLast);
            assertEquals(-1, standby.primary.ackSequence);
            assertEquals(-1, standby.receiver.lastSequence(), standby.receiver.status().describe());
            standby.assertShowsWhatItsJournalHolds();
        }
        assertNoCycleFile();
    }

    /**
     * An exception the journal passes on as its queue threw it, not as a {@code JournalException} (here that of a
     * queue closed under the writer), stops the standby like any journal failure. It escaped the receiver's message
     * handler into Aeron's poll, which hands a handler's exception to the client's error handler and goes on: the
     * standby printed a stack trace, stayed connected with no failure in its status, and took the next messages into
     * a journal whose batch the exception had broken.
     */
    @Test
    void anExceptionTheJournalPassesOnAsItsQueueThrewItStopsTheStandby() throws Exception {
        try (DiskStandby standby = new DiskStandby(0)) {
            standby.writer.close();
            standby.send(standby.message(0, 1));
            standby.receiver.doWork();
            String failure = standby.receiver.status().failure();
            assertTrue(failure != null && failure.contains("seq 1 "), standby.receiver.status().describe());
            assertEquals(-1, standby.receiver.lastSequence(), standby.receiver.status().describe());
            standby.assertShowsWhatItsJournalHolds();
        }
    }

    private void assertNoCycleFile() throws IOException {
        try (Stream<Path> files = Files.list(standbyDir)) {
            assertEquals(List.of(), files.filter(file -> file.toString().endsWith(".cq4")).toList(),
                    "the journal holds no record");
        }
    }

    /**
     * A standby's receiver whose journal's disk the test plays, run by the test's own thread, and its primary played on
     * the wire: its hello has been answered with nothing yet. On a disk with no room (the default), its journal takes
     * the next record into a document, and fails when the record after it does not fit that document, which it then
     * appends, or when the round ends with that document.
     */
    private final class DiskStandby implements AutoCloseable {
        final JournalRecordCodec codec = new JournalRecordCodec();
        final FakePrimary primary = new FakePrimary();
        final AeronTransport transport = AeronTransport.start(null, null, "standby-full-disk");
        final JournalWriter writer;
        final StandbyReceiver receiver;
        /** How far the receiver's clock runs ahead of the system's: moved by a test instead of waiting. */
        volatile long ahead;

        /** A standby whose journal holds seq 0 to {@code journaled - 1} already, journaled while the disk had room. */
        DiskStandby(int journaled) {
            this(journaled, () -> 0);
        }

        /**
         * As above, on a disk that says it has {@code room} bytes left when the journal asks (as it appends the first
         * document of a cycle file).
         */
        DiskStandby(int journaled, LongSupplier room) {
            InventoryStore state = new PrimitiveInventoryStore();
            int checksum = 0;
            if (journaled > 0) {
                try (JournalWriter roomy = JournalWriter.open(standbyDir, Durability.PAGE_CACHE)) {
                    for (int sequence = 0; sequence < journaled; sequence++) {
                        byte[] record = record(sequence);
                        roomy.appendRecord(record, 0, record.length, true);
                        checksum = JournalRecordCodec.checksumOf(record, 0, record.length);
                    }
                }
                state = JournalRecovery.recoverWithoutSnapshots(standbyDir, PrimitiveInventoryStore::new,
                        ReplayProgress.NONE).store();
            }
            writer = JournalFaults.writerAskingForRoom(standbyDir,
                    JournalRecordDescriptor.DOCUMENT_HEADER_LENGTH + record(journaled).length, room);
            receiver = new StandbyReceiver(transport, Endpoint.parse(primary.endpoint(), "primary"),
                    Endpoint.parse("127.0.0.1:0", "listen"), standbyDir, writer, state,
                    new Object(), journaled - 1, 0, 0, checksum, lastKept -> {
                        throw new AssertionError("no cut");
                    }, () -> null, () -> System.nanoTime() + ahead);
            primary.poll(() -> {
                turn();
                return primary.channel != null;
            }, "the standby's hello");
            primary.data = primary.transport.aeron().addExclusivePublication(primary.channel,
                    ReplicationMessageDescriptor.DATA_STREAM);
        }

        /** Asserts that the standby shows what its journal holds: its last sequence, and its state a replay of it. */
        void assertShowsWhatItsJournalHolds() throws IOException {
            Journals.assertStateIsAReplayOf(standbyDir, receiver.lastSequence(), StateDigest.of(receiver.state()));
        }

        /** One duty cycle of the standby's side: its driver, then its receiver. */
        void turn() {
            transport.invoke();
            receiver.doWork();
        }

        /** Runs the standby's duty cycles until it has stopped, at {@code what}. */
        void awaitStopped(String what) {
            primary.poll(() -> {
                turn();
                return receiver.status().failure() != null;
            }, "the standby stopped at " + what);
        }

        byte[] record(long sequence) {
            int length = codec.encode(sequence, 1_000 + sequence, new Command.ListProduct(sequence + 1, 10),
                    List.of(new Event.ProductListed(sequence + 1, 10)));
            return Arrays.copyOf(codec.buffer(), length);
        }

        /** A RECORDS message answering the standby's hello, of the records of {@code sequences}. */
        UnsafeBuffer message(long... sequences) {
            byte[][] records = new byte[sequences.length][];
            int length = ReplicationMessageDescriptor.HEADER_LENGTH;
            for (int i = 0; i < sequences.length; i++) {
                records[i] = record(sequences[i]);
                length += records[i].length;
            }
            UnsafeBuffer message = new UnsafeBuffer(new byte[length]);
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.RECORDS, 0,
                    sequences[sequences.length - 1], primary.helloId);
            int at = ReplicationMessageDescriptor.HEADER_LENGTH;
            for (byte[] record : records) {
                message.putBytes(at, record);
                at += record.length;
            }
            return message;
        }

        /** Sends {@code messages}, and waits until the standby's media driver has received them all. */
        void send(UnsafeBuffer... messages) {
            for (UnsafeBuffer message : messages) {
                primary.poll(() -> {
                    transport.invoke(); // the standby's driver, which answers the publication's setup
                    return primary.data.offer(message, 0, message.capacity()) > 0;
                }, "a message sent");
            }
            long sent = primary.data.position();
            primary.poll(() -> {
                transport.invoke();
                return receivedUpTo() >= sent;
            }, "the messages received by the standby's driver");
        }

        /** How far the standby's driver has received the stream from the primary, without a gap. */
        private long receivedUpTo() {
            long[] position = {Long.MIN_VALUE};
            CountersReader counters = transport.aeron().countersReader();
            counters.forEach((counterId, typeId, key, label) -> {
                if (typeId == AeronCounters.DRIVER_RECEIVER_POS_TYPE_ID) {
                    position[0] = Math.max(position[0], counters.getCounterValue(counterId));
                }
            });
            return position[0];
        }

        @Override
        public void close() {
            try {
                receiver.onClose();
                // a round whose end failed was dropped there: closing appends nothing again, and throws nothing
                writer.close();
            } finally {
                transport.close();
                primary.close();
            }
        }
    }

    /**
     * Sends {@code records} in one message, again and again as a primary asked again would, until the standby stops
     * at one of them; checks that the standby's state (its digest) is a replay of what it journaled, and returns it
     * closed.
     */
    private Standby sendUntilTheStandbyStops(byte[]... records) throws Exception {
        int length = 0;
        for (byte[] record : records) {
            length += record.length;
        }
        try (FakePrimary primary = new FakePrimary();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).listen("127.0.0.1:0").start()) {
            primary.awaitHello();
            UnsafeBuffer message = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH + length]);
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.RECORDS, 0,
                    records.length - 1, primary.helloId);
            int at = ReplicationMessageDescriptor.HEADER_LENGTH;
            for (byte[] record : records) {
                message.putBytes(at, record);
                at += record.length;
            }
            primary.poll(() -> {
                primary.data.offer(message, 0, message.capacity());
                return standby.status().failure() != null || standby.lastSequence() > 0;
            }, "the standby stopped at a record it cannot take");
            for (int i = 0; i < 20; i++) {
                primary.data.offer(message, 0, message.capacity());
                primary.transport.invoke();
            }
            assertTrue(standby.status().failure() != null, standby.status().describe());
            standby.close(); // its last duty cycle done
            Journals.assertStateIsAReplayOfItsJournal(standby);
            return standby;
        }
    }

    /**
     * A primary restarted behind the sequence it last announced (it crashed with records handed to its sender that
     * its journal never got) answers the standby's new hello: the standby's status takes its word for the primary's
     * last sequence. It kept the highest it ever heard instead, so it reported a lag of records that no primary
     * would send, and a lag in microseconds that grew for as long as the restarted primary stayed behind.
     */
    @Test
    void aStandbyTakesTheLastSequenceOfAPrimaryThatAnswersItsNewHelloFromBehind() throws Exception {
        try (FakePrimary primary = new FakePrimary();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).listen("127.0.0.1:0").start()) {
            primary.awaitHello();
            primary.followHellos = true;
            UnsafeBuffer message = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
            long first = primary.helloId;
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.HEARTBEAT, 0, 100, first);
            primary.poll(() -> {
                primary.data.offer(message, 0, ReplicationMessageDescriptor.HEADER_LENGTH);
                return standby.status().peerSequence() == 100;
            }, "the standby heard of seq 100");
            // the primary falls silent (it crashed), and the standby asks again
            primary.poll(() -> primary.helloId != first, "the standby's next hello");
            long second = primary.helloId;
            ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.HEARTBEAT, 0, -1, second);
            primary.poll(() -> {
                primary.data.offer(message, 0, ReplicationMessageDescriptor.HEADER_LENGTH);
                ReplicationStatus status = standby.status();
                return status.connected() && status.peerSequence() == -1 && status.lagRecords() == 0
                        && status.lagMicros() == 0;
            }, "the standby caught up with the restarted primary");
        }
    }

    /**
     * Messages under another hello's id are of a conversation the standby is not in: the stream it asked for before
     * its last hello, or a primary it no longer follows still sending to its listen address (an old primary, alive
     * after a failover, whose publication to that address finds the restarted standby's subscription there). The
     * standby took their records when they followed on (here: seq 0, before its primary answered it), so records
     * of a primary it does not follow went into its journal, which the primary it follows then skipped as
     * duplicates of its own; and an older epoch in such a message stopped it, though its own primary was of its
     * epoch. Its own primary's answer is what it goes by.
     */
    @Test
    void messagesUnderAnotherHellosIdAreNotTakenFromAPrimaryTheStandbyDoesNotFollow() throws Exception {
        try (JournalLock lock = JournalLock.acquire(standbyDir)) {
            JournalEpoch.promote(standbyDir); // a standby of epoch 1, as one that followed a promoted primary
        }
        JournalRecordCodec codec = new JournalRecordCodec();
        codec.epoch(1);
        int length = codec.encode(0, 1_000, new Command.ListProduct(1, 10), List.of(new Event.ProductListed(1, 10)));
        try (FakePrimary primary = new FakePrimary();
             Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).listen("127.0.0.1:0").start()) {
            primary.awaitHello();
            long stranger = primary.helloId + 1_000;
            UnsafeBuffer records = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH + length]);
            ReplicationMessageDescriptor.putHeader(records, ReplicationMessageDescriptor.RECORDS, 1, 0, stranger);
            records.putBytes(ReplicationMessageDescriptor.HEADER_LENGTH, codec.buffer(), 0, length);
            UnsafeBuffer older = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
            ReplicationMessageDescriptor.putHeader(older, ReplicationMessageDescriptor.HEARTBEAT, 0, 5, stranger);
            UnsafeBuffer answer = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
            ReplicationMessageDescriptor.putHeader(answer, ReplicationMessageDescriptor.HEARTBEAT, 1, -1,
                    primary.helloId);
            // in order on one publication: the answer arrives after the stranger's two messages
            primary.poll(() -> primary.data.offer(records, 0, records.capacity()) > 0, "the stranger's records sent");
            primary.poll(() -> primary.data.offer(older, 0, older.capacity()) > 0, "the stranger's heartbeat sent");
            primary.poll(() -> primary.data.offer(answer, 0, answer.capacity()) > 0, "the primary's answer sent");
            // acknowledged once the standby handled the answer, after the messages before it
            primary.poll(() -> primary.ackId == primary.helloId || standby.status().failure() != null,
                    "the standby's acknowledgement of its primary's answer");
            assertNull(standby.status().failure(), standby.status().describe());
            assertEquals(-1, primary.ackSequence, "a record of a conversation the standby is not in was taken");
            assertEquals(-1, standby.lastSequence());
            assertEquals(-1, standby.status().peerSequence(), "its primary's last sequence");
        }
    }

    /**
     * While no primary listens (it is not up yet, or restarting), the standby's hello cannot go out; its receiver
     * thread, which also runs the media driver, idles between tries like any other. It counted each failed offer
     * as work instead, so its idle strategy never parked: a core spent for as long as the primary was away.
     */
    @Test
    void aHelloThatCannotGoOutLetsTheReceiverIdle() throws Exception {
        try (AeronTransport transport = AeronTransport.start(null, null, "review-standby")) {
            StandbyReceiver receiver = new StandbyReceiver(transport, Endpoint.parse("127.0.0.1:9", "primary"),
                    Endpoint.parse("127.0.0.1:0", "listen"), standbyDir, null, new PrimitiveInventoryStore(),
                    new Object(), -1, 0, 0, 0, lastKept -> {
                        throw new AssertionError("no cut");
                    }, () -> null);
            try {
                for (int i = 0; i < 100; i++) {
                    transport.invoke();
                    assertEquals(0, receiver.doWork(), "duty cycle " + i + " with nothing to do but a hello to offer");
                }
            } finally {
                receiver.onClose();
            }
        }
    }

    /** A primary's side of the wire: a control subscription that records the standby's hello and acknowledgements. */
    private static final class FakePrimary implements AutoCloseable {
        final AeronTransport transport = AeronTransport.start(null, null, "review-fake-primary");
        final Subscription control = transport.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:0",
                ReplicationMessageDescriptor.CONTROL_STREAM);
        final FragmentAssembler handler = new FragmentAssembler((buffer, offset, length, header) -> {
            int type = ReplicationMessageDescriptor.type(buffer, offset);
            if (type == ReplicationMessageDescriptor.HELLO && (this.channel == null || this.followHellos)) {
                helloLast = ReplicationMessageDescriptor.sequence(buffer, offset);
                helloId = ReplicationMessageDescriptor.helloId(buffer, offset);
                channel = ReplicationMessageDescriptor.helloChannel(buffer, offset, length);
            } else if (type == ReplicationMessageDescriptor.ACK) {
                ackSequence = ReplicationMessageDescriptor.sequence(buffer, offset);
                ackId = ReplicationMessageDescriptor.helloId(buffer, offset);
            }
        });
        String channel;
        /** Whether a later hello (the standby asking again) replaces the first one's id. */
        boolean followHellos;
        long helloLast;
        long helloId;
        long ackSequence = Long.MIN_VALUE;
        long ackId = Long.MIN_VALUE;
        ExclusivePublication data;

        String endpoint() {
            long deadline = System.nanoTime() + WAIT.toNanos();
            String resolved;
            while ((resolved = control.resolvedEndpoint()) == null) {
                assertTrue(System.nanoTime() < deadline, "the fake primary's endpoint bound");
                transport.invoke();
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
            return resolved;
        }

        /** Waits for the standby's hello and opens the publication to it. */
        void awaitHello() {
            poll(() -> channel != null, "the standby's hello");
            data = transport.aeron().addExclusivePublication(channel, ReplicationMessageDescriptor.DATA_STREAM);
        }

        void poll(BooleanSupplier until, String what) {
            poll(until, what, WAIT);
        }

        void poll(BooleanSupplier until, String what, Duration wait) {
            long deadline = System.nanoTime() + wait.toNanos();
            while (!until.getAsBoolean()) {
                assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
                transport.invoke();
                control.poll(handler, 16);
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
            }
        }

        @Override
        public void close() {
            if (data != null) {
                data.close();
            }
            control.close();
            transport.close();
        }
    }
}
