package dev.purestock.replication;

import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static dev.purestock.replication.ReplicationTest.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a standby acknowledges, seen from a primary played by the test on the wire. */
class StandbyAckTest {
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
        try (AeronTransport fake = AeronTransport.start(null, null, "review-fake-primary");
             Subscription control = fake.aeron().addSubscription("aeron:udp?endpoint=127.0.0.1:0",
                     ReplicationMessageDescriptor.CONTROL_STREAM)) {
            String endpoint = awaitEndpoint(fake, control);
            try (Standby standby = Standby.builder(standbyDir).primary(endpoint).listen("127.0.0.1:0").start()) {
                long[] hello = new long[2];
                String[] channel = new String[1];
                long[] ack = {Long.MIN_VALUE, Long.MIN_VALUE};
                FragmentAssembler handler = new FragmentAssembler((buffer, offset, length, header) -> {
                    int type = ReplicationMessageDescriptor.type(buffer, offset);
                    if (type == ReplicationMessageDescriptor.HELLO && channel[0] == null) {
                        hello[0] = ReplicationMessageDescriptor.sequence(buffer, offset);
                        hello[1] = ReplicationMessageDescriptor.helloId(buffer, offset);
                        channel[0] = ReplicationMessageDescriptor.helloChannel(buffer, offset, length);
                    } else if (type == ReplicationMessageDescriptor.ACK) {
                        ack[0] = ReplicationMessageDescriptor.sequence(buffer, offset);
                        ack[1] = ReplicationMessageDescriptor.helloId(buffer, offset);
                    }
                });
                poll(fake, control, handler, () -> channel[0] != null, "the standby's hello");
                try (ExclusivePublication data = fake.aeron().addExclusivePublication(channel[0],
                        ReplicationMessageDescriptor.DATA_STREAM)) {
                    UnsafeBuffer message = new UnsafeBuffer(new byte[ReplicationMessageDescriptor.HEADER_LENGTH]);
                    ReplicationMessageDescriptor.putHeader(message, ReplicationMessageDescriptor.HEARTBEAT, 0, -1,
                            hello[1]);
                    poll(fake, control, handler, () -> {
                        data.offer(message, 0, ReplicationMessageDescriptor.HEADER_LENGTH);
                        return ack[1] == hello[1];
                    }, "the standby's acknowledgement once its hello was answered");
                    assertEquals(standby.lastSequence(), ack[0]);
                    assertEquals(hello[0], ack[0]);
                }
            }
        }
    }

    private static String awaitEndpoint(AeronTransport fake, Subscription control) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        String resolved;
        while ((resolved = control.resolvedEndpoint()) == null) {
            assertTrue(System.nanoTime() < deadline, "the fake primary's endpoint bound");
            fake.invoke();
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
        return resolved;
    }

    private static void poll(AeronTransport fake, Subscription control, FragmentAssembler handler,
                             BooleanSupplier until, String what) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!until.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for " + what);
            fake.invoke();
            control.poll(handler, 16);
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(100));
        }
    }
}
