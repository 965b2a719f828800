package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertEquals(24, Reason.CROSS_SHARD.code());
    }

    @Test
    void anUnknownReasonCodeIsRefusedWithTheCode() {
        assertEquals("no rejection reason has code 0",
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
