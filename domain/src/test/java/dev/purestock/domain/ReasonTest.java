package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReasonTest {

    @Test
    void everyReasonHasAUniqueCodeThatLeadsBackToIt() {
        Set<Integer> codes = new HashSet<>();
        for (Reason reason : Reason.values()) {
            assertTrue(codes.add(reason.code()), () -> "code " + reason.code() + " is used twice");
            assertEquals(reason, Reason.ofCode(reason.code()));
            assertFalse(reason.description().isBlank(), () -> reason + " has no description");
        }
    }

    @Test
    void reasonCodesNeverChange() {
        assertEquals(1, Reason.UNKNOWN_SKU.code());
        assertEquals(5, Reason.OUT_OF_STOCK.code());
        assertEquals(9, Reason.ID_REUSED.code());
        assertEquals(14, Reason.EXPIRED.code());
        assertEquals(22, Reason.BATCH_TOO_DEEP.code());
        assertEquals(25, Reason.UNKNOWN_HOLD.code());
        assertEquals(26, Reason.NOT_HOLDABLE.code());
        assertEquals(27, Reason.HELD_COMMAND_FAILED.code());
        assertEquals(28, Reason.UNCOUNTED_LIMIT.code());
        assertEquals(29, Reason.COUNTING_FIXED.code());
        assertEquals(27, Reason.values().length);
    }

    @Test
    void codesTwentyThreeAndTwentyFourAreNotTheDomains() {
        // journals hold 23 for a command whose decide threw: a reason of whoever runs the domain, not of the domain
        assertNull(Reason.findByCode(23));
        assertNull(Reason.findByCode(24));
        assertEquals(Reason.OUT_OF_STOCK, Reason.findByCode(5));
    }

    /** A reason of whoever runs the domain, as the engine's refusals are. */
    private enum HostReason implements RejectionReason {
        REFUSED(40, "the host refused it"),
        CLASHING(5, "a code the domain has");

        private final int code;
        private final String description;

        HostReason(int code, String description) {
            this.code = code;
            this.description = description;
        }

        @Override
        public int code() {
            return code;
        }

        @Override
        public String description() {
            return description;
        }
    }

    @Test
    void aRejectionWithAReasonFromOutsideTheDomainReadsBackAsThatReason() {
        EventBuffer buffer = new EventBuffer();
        buffer.rejected(HostReason.REFUSED, 77);

        assertEquals(0, buffer.firstRejection());
        assertEquals(HostReason.REFUSED, buffer.rejectionReason(0));
        assertEquals(77, buffer.rejectionRef(0));
        assertEquals(List.of(new Event.Rejected(HostReason.REFUSED, 77)), buffer.toEvents());
        EventBuffer copy = new EventBuffer();
        buffer.writeTo(copy);
        assertEquals(buffer.toEvents(), copy.toEvents());

        buffer.clear();
        buffer.rejected(Reason.OUT_OF_STOCK, 78);
        assertEquals(List.of(new Event.Rejected(Reason.OUT_OF_STOCK, 78)), buffer.toEvents());
    }

    @Test
    void aReasonFromOutsideTheDomainWithADomainCodeIsRefused() {
        EventBuffer buffer = new EventBuffer();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> buffer.rejected(HostReason.CLASHING, 1));
        assertEquals("rejection reason CLASHING has code 5, which is the domain's OUT_OF_STOCK; a reason from outside "
                + "the domain needs a code no Reason has", e.getMessage());
        assertEquals(0, buffer.size());
    }

    @Test
    void anUnknownReasonCodeIsRefusedWithTheCode() {
        assertEquals("no rejection reason of the domain has code 0",
                assertThrows(IllegalArgumentException.class, () -> Reason.ofCode(0)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> Reason.ofCode(-1));
        assertThrows(IllegalArgumentException.class, () -> Reason.ofCode(31));
        assertThrows(IllegalArgumentException.class, () -> Reason.ofCode(Integer.MAX_VALUE));
    }

    @Test
    void everyOrderStatusHasAUniqueCodeThatLeadsBackToIt() {
        Set<Integer> codes = new HashSet<>();
        for (OrderStatus status : OrderStatus.values()) {
            assertTrue(codes.add(status.code()));
            assertEquals(status, OrderStatus.ofCode(status.code()));
        }
        assertEquals("no order status has code 0",
                assertThrows(IllegalArgumentException.class, () -> OrderStatus.ofCode(0)).getMessage());
    }
}
