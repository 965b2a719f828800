package dev.purestock.cli;

import dev.purestock.domain.Command;
import dev.purestock.domain.Command.Batch;
import dev.purestock.domain.Line;
import dev.purestock.domain.Limits;
import dev.purestock.journal.JournalRecord;
import dev.purestock.journal.RecordFormat;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CommandJson}: writes as {@code dump --json} does, reads it back, refuses anything else by name. */
class CommandJsonTest {
    private static final List<Line> LINES = List.of(new Line(1, 2, 3), new Line(Limits.MAX_SKU, 0, 0));
    private static final List<Command> EVERY_KIND = List.of(
            new Command.ListProduct(1, 4),
            Command.ListProduct.uncounted(2),
            new Command.ReceiveStock(Long.MAX_VALUE, 2, Limits.MAX_WAREHOUSE, 10),
            new Command.WriteOffStock(3, 2, 1, 1),
            new Command.Purchase(7, Limits.MAX_CUSTOMER, 1, 1, 2),
            new Command.PlaceOrder(8, 3, LINES),
            new Command.CancelPurchase(7),
            new Command.Reserve(9, 3, LINES, Long.MIN_VALUE),
            new Command.ConfirmReservation(9),
            new Command.ReleaseReservation(9),
            new Command.ExpireReservations(Long.MAX_VALUE),
            new Batch(Batch.Mode.ATOMIC, List.of(new Command.CancelPurchase(1),
                    new Batch(Batch.Mode.INDEPENDENT, List.of(new Command.ConfirmReservation(2))),
                    new Batch(Batch.Mode.INDEPENDENT, List.of()))),
            new Command.Hold(Long.MAX_VALUE, Long.MIN_VALUE, new Command.Purchase(7, 3, 1, 1, 2)),
            new Command.Hold(1, 1_700_000_000_000L, new Batch(Batch.Mode.ATOMIC, List.of(
                    new Command.Reserve(9, 3, LINES, 5), new Command.CancelHold(4)))),
            new Command.CancelHold(4));

    @Test
    void everyKindOfCommandReadsBackAsWritten() {
        Set<String> kinds = EVERY_KIND.stream().map(c -> c.getClass().getSimpleName()).collect(Collectors.toSet());
        assertEquals(Arrays.stream(Command.class.getPermittedSubclasses()).map(Class::getSimpleName)
                .collect(Collectors.toSet()), kinds, "every command type is covered");
        for (Command command : EVERY_KIND) {
            String json = CommandJson.write(command);
            assertEquals(command, CommandJson.parse(json), json);
            JournalRecord record = new JournalRecord(5, 6, command, List.of(), 1);
            String dumped = RecordFormat.json(0x1f, record);
            assertTrue(dumped.contains(",\"command\":" + json + ",\"events\":"), "dump --json writes it so: " + dumped);
            assertEquals(command, CommandJson.parse(dumped), "a whole dump --json record: " + dumped);
            assertEquals(command, CommandJson.parse("{\"shard\":1," + dumped.substring(1)), "a sharded one");
        }
    }

    @Test
    void readsFieldsInAnyOrderAndLinesWithoutTheirType() {
        assertEquals(new Command.PlaceOrder(8, 3, List.of(new Line(1, 2, 3))), CommandJson.parse(
                " {\"lines\":[{\"quantity\":3,\"warehouse\":2,\"sku\":1}],\"customer\":3,\"orderId\":8,"
                        + "\"type\":\"PlaceOrder\"} "));
        assertEquals(new Command.CancelPurchase(10), CommandJson.parse("{\"type\":\"CancelPurchase\",\"orderId\":1e1}"));
    }

    @Test
    void aListingWrittenBeforeTheCountingChoiceReadsAsCountingAndAFlagMustBeTrueOrFalse() {
        assertEquals(new Command.ListProduct(1, 2, true),
                CommandJson.parse("{\"type\":\"ListProduct\",\"sku\":1,\"perCustomerLimit\":2}"));
        assertEquals(Command.ListProduct.uncounted(1), CommandJson.parse(
                "{\"type\":\"ListProduct\",\"sku\":1,\"perCustomerLimit\":0,\"countsCustomers\":false}"));
        refuses("{\"type\":\"ListProduct\",\"sku\":1,\"perCustomerLimit\":0,\"countsCustomers\":0}",
                "command.countsCustomers must be true or false, got 0");
        refuses("{\"type\":\"CancelHold\"}", "command (CancelHold) lacks field \"holdId\"");
    }

    @Test
    void refusesWhatIsNotACommandSayingWhat() {
        refuses("", "not JSON");
        refuses("{\"type\":\"CancelPurchase\",orderId:1}", "not JSON");
        refuses("{\"type\":\"CancelPurchase\",\"orderId\":1} {}", "not one JSON value");
        refuses("42", "expected a JSON object");
        refuses("{\"orderId\":1}", "command lacks \"type\"");
        refuses("{\"type\":7}", "command.type must be a string");
        refuses("{\"type\":\"Refund\"}", "command: unknown command type \"Refund\"; expected one of [ListProduct,");
        refuses("{\"type\":\"CancelPurchase\"}", "command (CancelPurchase) lacks field \"orderId\"");
        refuses("{\"type\":\"CancelPurchase\",\"orderId\":1,\"note\":\"x\"}",
                "command (CancelPurchase) has unknown field \"note\"");
        refuses("{\"type\":\"CancelPurchase\",\"orderId\":\"1\"}", "command.orderId must be a whole number, got the "
                + "string \"1\"");
        refuses("{\"type\":\"CancelPurchase\",\"orderId\":1.5}", "command.orderId must be a whole number from");
        refuses("{\"type\":\"CancelPurchase\",\"orderId\":9223372036854775808}", "command.orderId must be a whole");
        refuses("{\"type\":\"CancelPurchase\",\"orderId\":-1}", "command (CancelPurchase): order id");
        refuses("{\"type\":\"ListProduct\",\"sku\":4294967296,\"perCustomerLimit\":0}", "command (ListProduct): sku");
        refuses("{\"type\":\"Purchase\",\"orderId\":1,\"customer\":1,\"sku\":1,\"warehouse\":4294967296,"
                + "\"quantity\":1}", "command.warehouse is out of range: 4294967296");
        refuses("{\"type\":\"PlaceOrder\",\"orderId\":1,\"customer\":1,\"lines\":{}}", "command.lines must be an array");
        refuses("{\"type\":\"PlaceOrder\",\"orderId\":1,\"customer\":1,\"lines\":[{\"type\":\"Purchase\"}]}",
                "command.lines[0] is a line");
        refuses("{\"type\":\"PlaceOrder\",\"orderId\":1,\"customer\":1,\"lines\":[null]}",
                "command.lines[0] must be an object, got null");
        refuses("{\"type\":\"Batch\",\"mode\":\"SOMETIMES\",\"commands\":[]}",
                "command.mode must be one of [ATOMIC, INDEPENDENT], got \"SOMETIMES\"");
        refuses("{\"type\":\"Batch\",\"mode\":\"ATOMIC\",\"commands\":[{\"type\":\"Batch\",\"mode\":\"ATOMIC\","
                + "\"commands\":[{\"type\":\"Nope\"}]}]}", "command.commands[0].commands[0]: unknown command type");
        refuses("{\"seq\":1,\"command\":7}", "the record's \"command\" must be a command object, got 7");
        refuses("{\"seq\":1,\"extra\":1,\"command\":{}}", "unknown field \"extra\" in a record");
        String open = "{\"type\":\"Batch\",\"mode\":\"ATOMIC\",\"commands\":[";
        refuses(open.repeat(200) + "]}".repeat(200), "not JSON: Nesting limit");
        assertEquals(5, depth(CommandJson.parse(open.repeat(5) + "]}".repeat(5))), "deeper than the domain allows");
        String hold = "{\"type\":\"Hold\",\"holdId\":1,\"at\":5";
        refuses(hold + "}", "command (Hold) lacks field \"command\"");
        refuses(hold + ",\"command\":null}", "command.command must be a command object, got null");
        refuses(hold + ",\"command\":{\"type\":\"Nope\"}}", "command.command: unknown command type \"Nope\"");
        refuses(hold + ",\"command\":" + hold + ",\"command\":{\"type\":\"CancelHold\",\"holdId\":1}}}",
                "command.command is a Hold inside a held command; holds do not nest");
        refuses(hold + ",\"command\":{\"type\":\"Batch\",\"mode\":\"ATOMIC\",\"commands\":[" + hold
                + ",\"command\":{\"type\":\"CancelHold\",\"holdId\":1}}]}}",
                "command.command.commands[0] is a Hold inside a held command");
        refuses("{\"type\":\"Hold\",\"holdId\":-1,\"at\":5,\"command\":{\"type\":\"CancelHold\",\"holdId\":1}}",
                "command (Hold): hold id -1 is outside");
        refuses("{\"type\":\"CancelHold\",\"holdId\":-3}", "command (CancelHold): hold id -3 is outside");
        assertEquals(new Batch(Batch.Mode.ATOMIC, List.of(new Command.Hold(1, 5, new Command.CancelPurchase(2)),
                        new Command.Hold(2, 5, new Command.CancelPurchase(3)))),
                CommandJson.parse("{\"type\":\"Batch\",\"mode\":\"ATOMIC\",\"commands\":[" + hold
                        + ",\"command\":{\"type\":\"CancelPurchase\",\"orderId\":2}},{\"type\":\"Hold\",\"holdId\":2,\"at\":5,"
                        + "\"command\":{\"type\":\"CancelPurchase\",\"orderId\":3}}]}"),
                "holds side by side in a batch are no nesting");
        refuses("{\"corrupt\":true,\"seq\":3,\"index\":\"0x1\",\"hex\":\"00\"}", "a corrupt record");
        refuses("{\"type\":\"ListProduct\",\"sku\":1,\"sku\":2,\"perCustomerLimit\":0}",
                "field \"sku\" appears twice in one object (at $.sku)");
        refuses("{\"type\":\"PlaceOrder\",\"orderId\":1,\"customer\":1,\"lines\":[{\"sku\":1,\"warehouse\":1,"
                + "\"quantity\":1,\"quantity\":9}]}", "field \"quantity\" appears twice in one object (at $.lines[0].quantity)");
        refuses("{\"seq\":1,\"seq\":2,\"command\":{\"type\":\"CancelPurchase\",\"orderId\":1}}",
                "field \"seq\" appears twice");
        assertEquals(new Command.PlaceOrder(1, 1, List.of(new Line(1, 1, 1), new Line(2, 1, 1))), CommandJson.parse(
                "{\"type\":\"PlaceOrder\",\"orderId\":1,\"customer\":1,\"lines\":[{\"sku\":1,\"warehouse\":1,"
                        + "\"quantity\":1},{\"sku\":2,\"warehouse\":1,\"quantity\":1}]}"),
                "the same field in two objects is no repeat");
    }

    private static int depth(Command command) {
        return command instanceof Batch batch ? 1 + (batch.commands().isEmpty() ? 0 : depth(batch.commands().getFirst()))
                : 0;
    }

    private static void refuses(String line, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CommandJson.parse(line));
        assertTrue(e.getMessage().startsWith(message), line + " => " + e.getMessage());
    }
}
