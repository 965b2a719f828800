package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import dev.purestock.domain.LineChange;
import dev.purestock.domain.Reason;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordFormatTest {
    @Test
    void theTextOfEveryCommandAndEventReadsAsItsRecord() {
        for (Command command : JournalRecordCodecTest.EVERY_COMMAND) {
            JournalRecord record = new JournalRecord(5, 6, command, JournalRecordCodecTest.EVERY_EVENT, 1);
            assertEquals("seq=5 time=6 index=0x2a v=1 epoch=0 command=" + command + " events="
                    + JournalRecordCodecTest.EVERY_EVENT, RecordFormat.text(42, record));
        }
    }

    @Test
    void everyCommandAndEventFormatsAsJson() {
        JournalRecord record = new JournalRecord(3, 4, JournalRecordCodecTest.EVERY_COMMAND.get(11),
                List.of(new Event.PurchaseAccepted(41, 1, List.of(new LineChange(7, 3, 1, 9, 1)), 5),
                        new Event.BatchAborted(1, Reason.OUT_OF_STOCK, 41)), 1);
        assertEquals("{\"seq\":3,\"time\":4,\"index\":\"0x1\",\"version\":1,\"epoch\":0,\"command\":{\"type\":\"Batch\","
                + "\"mode\":\"ATOMIC\",\"commands\":[{\"type\":\"Purchase\",\"orderId\":41,\"customer\":1,\"sku\":7,"
                + "\"warehouse\":3,\"quantity\":1},{\"type\":\"Batch\",\"mode\":\"INDEPENDENT\",\"commands\":["
                + "{\"type\":\"CancelPurchase\",\"orderId\":41},{\"type\":\"ExpireReservations\","
                + "\"retainOrdersFor\":86400000}]}]},"
                + "\"events\":[{\"type\":\"PurchaseAccepted\",\"orderId\":41,\"customer\":1,\"lines\":[{\"type\":"
                + "\"LineChange\",\"sku\":7,\"warehouse\":3,\"quantity\":1,\"available\":9,\"customerUnits\":1}],"
                + "\"fingerprint\":5},{\"type\":\"BatchAborted\",\"index\":1,\"reason\":\"OUT_OF_STOCK\",\"ref\":41}]}",
                RecordFormat.json(1, record));
    }

    @Test
    void aCommandOrEventsAloneFormatAsInTheRecord() {
        List<Event> events = List.of(new Event.BatchAborted(1, Reason.OUT_OF_STOCK, 41));
        for (Command command : JournalRecordCodecTest.EVERY_COMMAND) {
            String json = RecordFormat.json(1, new JournalRecord(3, 4, command, events, 1));
            assertEquals(json.substring(json.indexOf(",\"command\":") + 11, json.indexOf(",\"events\":")),
                    RecordFormat.json(command));
            assertEquals(json.substring(json.indexOf(",\"events\":") + 10, json.length() - 1),
                    RecordFormat.json(events));
        }
        assertEquals("null", RecordFormat.json(null));
    }

    @Test
    void aRecordNestingBatchesFarDeeperThanTheStackFormatsAsTextAndJson() {
        int depth = 100_000;
        List<Event> events = List.of(new Event.Rejected(Reason.BATCH_TOO_DEEP, 0));
        JournalRecord record = new JournalRecord(8, 9, JournalRecordCodecTest.nested(depth), events, 1);

        String text = RecordFormat.text(3, record);
        assertEquals("seq=8 time=9 index=0x3 v=1 epoch=0 command=" + "Batch[mode=ATOMIC, commands=[".repeat(depth)
                + "ExpireReservations[retainOrdersFor=86400000]" + "]]".repeat(depth) + " events=[Rejected[reason=BATCH_TOO_DEEP, ref=0]]", text);

        String json = RecordFormat.json(3, record);
        assertEquals("{\"seq\":8,\"time\":9,\"index\":\"0x3\",\"version\":1,\"epoch\":0,\"command\":"
                + "{\"type\":\"Batch\",\"mode\":\"ATOMIC\",\"commands\":[".repeat(depth)
                + "{\"type\":\"ExpireReservations\",\"retainOrdersFor\":86400000}" + "]}".repeat(depth)
                + ",\"events\":[{\"type\":\"Rejected\",\"reason\":\"BATCH_TOO_DEEP\",\"ref\":0}]}", json);
        assertTrue(json.length() > 40 * depth);
    }
}
