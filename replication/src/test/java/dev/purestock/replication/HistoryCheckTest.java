package dev.purestock.replication;

import dev.purestock.domain.Command;
import dev.purestock.engine.EngineStoppedException;
import dev.purestock.engine.Outcome;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.Durability;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournalLock;
import dev.purestock.journal.JournalReader;
import dev.purestock.journal.JournalRecordCodec;
import dev.purestock.journal.JournalWriter;
import dev.purestock.journal.JournaledEngine;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static dev.purestock.replication.ReplicationTest.awaitTrue;
import static dev.purestock.replication.ReplicationTest.engine;
import static dev.purestock.replication.ReplicationTest.engineWithoutTimer;
import static dev.purestock.replication.ReplicationTest.primary;
import static dev.purestock.replication.ReplicationTest.purchases;
import static dev.purestock.replication.ReplicationTest.standbyPastACrashedPrimary;
import static dev.purestock.replication.ReplicationTest.stock;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A standby whose history parts from its primary's within one epoch is refused, however far the primary is. */
class HistoryCheckTest {
    @TempDir
    Path primaryDir;
    @TempDir
    Path standbyDir;

    /**
     * A primary crashed with records sent to its standby but not journaled; restarted as primary, it decides new
     * commands under those sequences, past the standby's last, before the standby says hello again. The standby's
     * tail is not the primary's history: it must be refused, not sent the records after it.
     */
    @Test
    void aStandbyWhoseTailARestartedPrimaryDecidedAgainIsRefused() throws Exception {
        long standbyLast = standbyPastACrashedPrimary(primaryDir, standbyDir);
        try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start();
             JournaledEngine journaled = engine(primaryDir, primary)) {
            // other purchases under the lost sequences, and beyond the standby's last
            long last = purchases(journaled.engine(), 5_000, 40).sequence();
            assertTrue(last > standbyLast);
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                awaitTrue(() -> standby.status().failure() != null || standby.lastSequence() >= last,
                        "the standby is refused or catches up");
                if (standby.status().failure() == null) {
                    fail("the standby took seq " + (standbyLast + 1) + " to " + last + " after a tail the primary "
                            + "decided differently: its journal is no longer the primary's prefix");
                }
                assertTrue(standby.status().failure().contains("differs"), standby.status().failure());
            }
        }
    }

    /**
     * The primary's journal stage fails on a record its replication stage had already sent, and the standby holds it;
     * the engine stops. The standby, restarted, says hello with that record as its last: the history check waited
     * for the primary's journal to hold it, which it never will, so the standby waited for ever, told nothing.
     */
    @Test
    void aStandbyWhoseLastRecordTheStoppedPrimaryNeverJournaledIsRefusedNamingWhy() throws Exception {
        String why = refusalOfAStandbyPastAStoppedPrimary(() -> { });
        assertTrue(why.contains("this primary's journal ends at seq 11"), why);
    }

    /**
     * As above, with the stopped primary's journal one that cannot be opened (its high-water mark damaged): the
     * refusal said the journal ends at seq -1, as if it were empty, instead of why it could not be read.
     */
    @Test
    void aStandbyPastAStoppedPrimaryWhoseJournalCannotBeOpenedIsRefusedNamingWhyNot() throws Exception {
        String why = refusalOfAStandbyPastAStoppedPrimary(() -> {
            try {
                Files.write(primaryDir.resolve("purestock.hwm"), new byte[64]);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        assertTrue(why.contains("this primary's journal cannot be read (") && why.contains("purestock.hwm"), why);
        assertFalse(why.contains("ends at seq -1"), why);
    }

    /**
     * In SYNC the replication stage waits at the end of a batch for its standby, while the decision and journal stages
     * go on: the primary's journal holds records past the last the stage handed over. A standby catching up from the
     * journal was sent every record the journal held, past that last; said hello again (restarted, or asking again
     * after a gap) before the stage handed them over, it was refused as holding records this primary never decided,
     * and stopped, its journal a prefix of the primary's. The sender now sends no record the stage has not handed
     * over. A fake standby that never acknowledges holds the stage at seq {@code s + 1} while the journal takes three
     * more; asking again from {@code s}, it is sent seq {@code s + 1} alone, and its hello naming that record is
     * answered, not refused. A real standby then acknowledges, and every purchase is answered.
     */
    @Test
    void aStandbyIsSentNoRecordTheReplicationStageHasNotHandedOverSoItsNextHelloIsNotRefused() throws Exception {
        try (Primary primary = primary(primaryDir, ReplicationMode.SYNC).syncTimeout(Duration.ofMinutes(1)).start();
             JournaledEngine journaled = engineWithoutTimer(primaryDir, primary)) {
            PurestockEngine engine = journaled.engine();
            long stocked;
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                stocked = stock(engine, 1_000).sequence(); // SYNC: the standby holds it
            }
            List<CompletableFuture<Outcome>> answers = new ArrayList<>();
            try (FakeStandby fake = new FakeStandby(primary.endpoint())) {
                fake.hello(1, stocked, checksumOf(primaryDir, stocked));
                fake.awaitMessage(1, "a heartbeat answering the fake's hello");
                answers.add(engine.submit(new Command.Purchase(1, 1, 1, ReplicationTest.WAREHOUSE, 1)));
                awaitTrue(() -> primary.status().lastSequence() == stocked + 1, "seq " + (stocked + 1) + " handed over");
                for (long id = 2; id <= 4; id++) {
                    answers.add(engine.submit(new Command.Purchase(id, 1, 1, ReplicationTest.WAREHOUSE, 1)));
                }
                awaitTrue(() -> journalEnd(primaryDir) == stocked + 4, "the journal holds the three purchases after");
                assertEquals(stocked + 1, primary.status().lastSequence(), "the stage waits for the fake at seq "
                        + (stocked + 1));

                fake.hello(2, stocked, checksumOf(primaryDir, stocked));
                byte[] first = fake.awaitRecord(2);
                long sent = JournalRecordCodec.sequenceOf(first, 0, first.length);
                assertEquals(stocked + 1, sent, "the first record sent to the standby asking again");
                long last = fake.lastRecordUnder(2);
                assertEquals(stocked + 1, last, "sent no record the stage had not handed over (it handed over seq "
                        + primary.status().lastSequence() + ")");
                byte[] lastRecord = fake.record(2, last);

                fake.hello(3, last, JournalRecordCodec.checksumOf(lastRecord, 0, lastRecord.length));
                int type = fake.awaitMessage(3, "an answer to the hello naming seq " + last);
                assertNotEquals(ReplicationMessageDescriptor.REFUSED, type, "refused: " + primary.status().failure());
            }
            try (Standby standby = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                for (CompletableFuture<Outcome> answer : answers) {
                    assertTrue(standby.awaitSequence(answer.join().sequence(), WAIT), "SYNC: the standby holds it");
                }
            }
        }
        Journals.assertPrefix(primaryDir, standbyDir, 2 * ReplicationTest.SKUS + 4);
    }

    /** The checksum the record {@code sequence} of the journal in {@code dir} ends with, as a hello names it. */
    private static int checksumOf(Path dir, long sequence) {
        byte[] record = Journals.raw(dir).get((int) sequence);
        return JournalRecordCodec.checksumOf(record, 0, record.length);
    }

    private static long journalEnd(Path dir) {
        try (JournalReader reader = JournalReader.open(dir)) {
            return reader.lastSequence();
        }
    }

    /**
     * A standby by hand: says hello with what the test says it holds, and keeps what the primary sends it under each
     * hello's id (the type of each message, the records of each {@code RECORDS}); it acknowledges nothing.
     */
    private static final class FakeStandby implements AutoCloseable {
        private final AeronTransport transport = AeronTransport.start(null, null, "history-fake");
        private final ExclusivePublication control;
        private final Subscription data;
        private final String channel;
        private final UnsafeBuffer hello = new UnsafeBuffer(new byte[256]);
        private final Map<Long, List<Integer>> types = new HashMap<>();
        private final Map<Long, List<byte[]>> records = new HashMap<>();
        private final FragmentAssembler assembler = new FragmentAssembler(this::onMessage);

        FakeStandby(String primaryEndpoint) {
            control = transport.aeron().addExclusivePublication(Endpoint.parse(primaryEndpoint, "primary")
                    .channel(""), ReplicationMessageDescriptor.CONTROL_STREAM);
            data = transport.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:0",
                    ReplicationMessageDescriptor.DATA_STREAM);
            String[] resolved = new String[1];
            awaitTrue(() -> {
                transport.invoke();
                resolved[0] = data.resolvedEndpoint();
                return resolved[0] != null;
            }, "the fake standby's port bound");
            channel = "aeron:udp?endpoint=" + resolved[0];
        }

        void hello(long id, long last, int checksum) {
            int length = ReplicationMessageDescriptor.putHello(hello, 0, last, id, checksum, channel);
            awaitTrue(() -> {
                transport.invoke();
                return control.offer(hello, 0, length) > 0;
            }, "the fake's hello went out");
        }

        /** The type of the first message under hello {@code id}. */
        int awaitMessage(long id, String what) {
            awaitTrue(() -> poll() >= 0 && !types.getOrDefault(id, List.of()).isEmpty(), what);
            return types.get(id).getFirst();
        }

        /** The first record sent under hello {@code id}. */
        byte[] awaitRecord(long id) {
            awaitTrue(() -> poll() >= 0 && !records.getOrDefault(id, List.of()).isEmpty(), "a record under hello "
                    + id);
            return records.get(id).getFirst();
        }

        /** The last sequence among the records taken so far under hello {@code id}. */
        long lastRecordUnder(long id) {
            List<byte[]> taken = records.get(id);
            byte[] last = taken.getLast();
            return JournalRecordCodec.sequenceOf(last, 0, last.length);
        }

        byte[] record(long id, long sequence) {
            return records.get(id).stream()
                    .filter(record -> JournalRecordCodec.sequenceOf(record, 0, record.length) == sequence)
                    .findFirst().orElseThrow();
        }

        private int poll() {
            return transport.invoke() + data.poll(assembler, 16);
        }

        private void onMessage(DirectBuffer buffer, int offset, int length, Header header) {
            long id = ReplicationMessageDescriptor.helloId(buffer, offset);
            int type = ReplicationMessageDescriptor.type(buffer, offset);
            types.computeIfAbsent(id, any -> new ArrayList<>()).add(type);
            if (type != ReplicationMessageDescriptor.RECORDS) {
                return;
            }
            List<byte[]> taken = records.computeIfAbsent(id, any -> new ArrayList<>());
            int at = offset + ReplicationMessageDescriptor.HEADER_LENGTH;
            while (at < offset + length) {
                int recordLength = buffer.getInt(at, ByteOrder.LITTLE_ENDIAN);
                byte[] record = new byte[recordLength];
                buffer.getBytes(at, record);
                taken.add(record);
                at += recordLength;
            }
        }

        @Override
        public void close() {
            CloseHelper.closeAll(data, control, transport);
        }
    }

    /**
     * The standby's refusal once the primary's journal stage failed on seq 12 after its replication stage had sent it
     * and the engine stopped; {@code afterStop} runs before the standby, restarted, says hello with seq 12 its last.
     */
    private String refusalOfAStandbyPastAStoppedPrimary(Runnable afterStop) throws Exception {
        long failAt = 12;
        AtomicReference<Standby> following = new AtomicReference<>();
        try (JournalLock lock = JournalLock.acquire(primaryDir)) { // held by the engine's process, as a journaled one
            JournalLayout.create(primaryDir, 1);
            try (Primary primary = primary(primaryDir, ReplicationMode.ASYNC).start()) {
                following.set(Standby.builder(standbyDir).primary(primary.endpoint()).start());
                PurestockEngine engine = primary.configure(PurestockEngine.builder()
                        .journal(shard -> new FailingJournal(JournalWriter.open(primaryDir, Durability.PAGE_CACHE),
                                failAt, sequence -> assertTrue(following.get().awaitSequence(sequence, WAIT),
                                        "the standby received seq " + sequence)))
                        .expireReservationsEvery(Duration.ZERO)).build();
                try (engine) {
                    // served before anything is decided: the sender keeps the records in its ring for a standby it
                    // serves, and drops them from it while it serves none; one that said hello only after seq 12 was
                    // dropped waited for it from the journal, which the journal below never writes until the standby
                    // holds it (5 s, then the journal failed on its assertion instead)
                    awaitTrue(() -> following.get().status().connected(), "the primary serves the first standby");
                    stock(engine, 1_000);
                    purchases(engine, 1, 2);
                    CompletionException stopped = assertThrows(CompletionException.class,
                            () -> purchases(engine, 3, 1), "seq " + failAt + " is never journaled");
                    assertInstanceOf(EngineStoppedException.class, stopped.getCause());
                    following.get().close();
                    afterStop.run();
                    try (Standby restarted = Standby.builder(standbyDir).primary(primary.endpoint()).start()) {
                        assertTrue(restarted.lastSequence() == failAt, "the standby holds " + restarted.lastSequence());
                        awaitTrue(() -> restarted.status().failure() != null, "the standby is refused");
                        String why = restarted.status().failure();
                        assertTrue(why.contains("engine stopped before its journal held seq " + failAt), why);
                        return why;
                    }
                }
            }
        } finally {
            if (following.get() != null) {
                following.get().close();
            }
        }
    }
}
