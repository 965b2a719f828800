package dev.purestock.engine;

import dev.purestock.domain.Reason;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

class EngineRefusalTest {

    @Test
    void refusalCodesNeverChange() {
        assertEquals(23, EngineRefusal.INTERNAL_ERROR.code(), "journals hold 23 for a command whose decide threw");
        assertEquals(24, EngineRefusal.CROSS_SHARD.code());
        assertEquals(2, EngineRefusal.values().length);
    }

    @Test
    void noRefusalHasTheCodeOfADomainReasonAndEachCodeLeadsBackToItsRefusal() {
        for (EngineRefusal refusal : EngineRefusal.values()) {
            assertNull(Reason.findByCode(refusal.code()), () -> refusal + " has the code of a domain reason");
            assertEquals(refusal, EngineRefusal.findByCode(refusal.code()));
            assertFalse(refusal.description().isBlank(), () -> refusal + " has no description");
        }
        for (Reason reason : Reason.values()) {
            assertNull(EngineRefusal.findByCode(reason.code()), () -> reason + " has the code of an engine refusal");
        }
    }
}
