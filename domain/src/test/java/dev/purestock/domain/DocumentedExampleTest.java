package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.purestock.domain.testing.Scenario.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The examples in docs/domain.md, so that the document cannot drift from the code. */
class DocumentedExampleTest {

    @Test
    void theExampleInTheDomainDocumentBehavesAsItSays() {
        InventoryStore store = new MapInventoryStore();
        long now = 1_000;
        for (Command c : List.of(new Command.ListProduct(7, 2), new Command.ReceiveStock(1, 7, 0, 3))) {
            Inventory.evolveAll(store, now, Inventory.decide(c, now, store));
        }
        Command buy = new Command.Purchase(42, 1001, 7, 0, 2);
        List<Event> events = Inventory.decide(buy, now, store);
        assertEquals(List.of(new Event.PurchaseAccepted(42, 1001, List.of(new LineChange(7, 0, 2, 1, 2)),
                Fingerprint.ofPurchase((Command.Purchase) buy))), events);
        Inventory.evolveAll(store, now, events);

        assertEquals(List.of(new Event.AlreadyApplied(42)), Inventory.decide(buy, now, store));
        assertEquals(List.of(new Event.Rejected(Reason.LIMIT_EXCEEDED, 43)),
                Inventory.decide(new Command.Purchase(43, 1001, 7, 0, 1), now, store));
    }

    /** "Deciding without garbage": the buffer loop, as written there, over the example's commands. */
    @Test
    void theBufferLoopInTheDomainDocumentDecidesAsTheRecordFormDoes() {
        InventoryStore store = new MapInventoryStore();
        long now = 1_000;
        List<Command> commands = List.of(new Command.ListProduct(7, 2), new Command.ReceiveStock(1, 7, 0, 3),
                new Command.Purchase(42, 1001, 7, 0, 2), new Command.Purchase(43, 1001, 7, 0, 1));
        List<RejectionReason> rejections = new ArrayList<>();
        List<Long> available = new ArrayList<>();

        EventBuffer buffer = new EventBuffer();                     // one per thread, reused
        for (Command c : commands) {
            buffer.clear();
            Inventory.decide(c, now, store, buffer);
            Inventory.evolveAll(store, now, buffer);
            if (buffer.firstRejection() >= 0) {
                RejectionReason why = buffer.rejectionReason(buffer.firstRejection());
                rejections.add(why);
            }
            for (int line = 0; line < buffer.lineCount(); line++) {
                long left = buffer.lineAvailable(line);
                available.add(left);
            }
        }

        assertEquals(List.of(Reason.LIMIT_EXCEEDED), rejections);
        assertEquals(List.of(1L), available);
        assertEquals(3, store.customerUnits(1001, 7) + store.available(7, 0));
    }

    @Test
    void theTestExampleInTheDomainDocumentPasses() {
        given(new Command.ListProduct(7, 2), new Command.ReceiveStock(1, 7, 0, 3))
                .when(new Command.Purchase(42, 1001, 7, 0, 3))
                .thenRejected(Reason.LIMIT_EXCEEDED);
    }
}
