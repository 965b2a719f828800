package dev.purestock.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The demo on a directory a killed sharded run left half stocked, where one shard journaled a drop's receipt and
 * another did not: the next run takes the next drop and reports the sale as it was. And its help prints clean.
 */
class DemoRerunTest {
    @TempDir
    Path tmp;

    /**
     * A sharded demo killed while stocking up can leave shard 1 with drop 1's receipt of sku 2 while shard 0 never
     * journaled drop 1's receipt of sku 1 (the shards journal on their own); `submit` writes that state here. The
     * next run used to take drop 1 again (it looked at sku 1 alone), its receipt of sku 2 was answered as already
     * applied, and every unit sold of sku 2 counted as oversold.
     */
    @Test
    void aRerunAfterAPartlyJournaledShardedSetupDoesNotReportAFalseOversell() throws Exception {
        Path dir = tmp.resolve("sale");
        Path partial = tmp.resolve("partial.jsonl");
        Files.writeString(partial, """
                {"type":"ListProduct","sku":2,"perCustomerLimit":0,"countsCustomers":true}
                {"type":"ReceiveStock","movementId":4294967298,"sku":2,"warehouse":1,"quantity":5}
                """);
        Run submit = Run.of("submit", "--journal", dir.toString(), "--shards", "2", partial.toString());
        assertEquals(0, submit.code(), submit.err());

        Run demo = Run.of("demo", "--journal", dir.toString(), "--shards", "2", "--skus", "2", "--stock", "5",
                "--attempts", "20");
        Map<String, String> values = demo.values();
        assertEquals("0", values.get("oversold"), demo.out());
        assertEquals("true", values.get("stock-conserved"), demo.out());
        assertEquals(0, demo.code(), demo.out());
        assertEquals("2", values.get("drop"), "drop 1 was partly received");
    }

    /**
     * {@code submit} may leave reservations and held commands on the demo's skus, and the engine's timer decides
     * them while the demo sells: here held receipts fall due one a millisecond for 5 s and a reservation expires
     * within 2 s, so some land between the demo's receipt and its last purchase. The conservation check counted
     * only the sale's purchases and called the units they moved a loss ({@code stock-conserved=false}, exit 1).
     */
    @Test
    void unitsThatExpiriesAndHeldCommandsMoveDuringTheSaleAreNoLossOfStock() throws Exception {
        Path dir = tmp.resolve("sale");
        long now = System.currentTimeMillis();
        StringBuilder left = new StringBuilder("""
                {"type":"ListProduct","sku":1,"perCustomerLimit":0,"countsCustomers":true}
                {"type":"ReceiveStock","movementId":7,"sku":1,"warehouse":1,"quantity":10}
                """);
        left.append("{\"type\":\"Reserve\",\"orderId\":5,\"customer\":9,\"lines\":[{\"sku\":1,\"warehouse\":1,")
                .append("\"quantity\":3}],\"expiresAt\":").append(now + 2_000).append("}\n");
        for (int i = 0; i < 5_000; i++) {
            left.append("{\"type\":\"Hold\",\"holdId\":").append(i).append(",\"at\":").append(now + i)
                    .append(",\"command\":{\"type\":\"ReceiveStock\",\"movementId\":").append(10_000 + i)
                    .append(",\"sku\":1,\"warehouse\":1,\"quantity\":1}}\n");
        }
        Path commands = Files.writeString(tmp.resolve("left.jsonl"), left);
        Run submit = Run.of("submit", "--journal", dir.toString(), commands.toString());
        assertEquals(0, submit.code(), submit.err());

        Run demo = Run.of("demo", "--journal", dir.toString(), "--skus", "1", "--stock", "1000000", "--qty", "1",
                "--producers", "1", "--attempts", "20000");
        Map<String, String> values = demo.values();
        assertEquals("0", values.get("oversold"), demo.out());
        assertEquals("true", values.get("stock-conserved"), demo.out());
        assertEquals(0, demo.code(), demo.out());
    }

    /** The help's text is printed as written: a {@code %} in it is escaped for picocli. */
    @Test
    void helpPrintsNoPicocliWarnings() {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        Run help;
        try {
            help = Run.of("demo", "--help");
        } finally {
            System.setErr(saved);
        }
        assertEquals(0, help.code());
        String stderr = captured.toString(StandardCharsets.UTF_8) + help.err();
        assertFalse(stderr.contains("WARN"), stderr);
    }
}
