package dev.purestock.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines decoded one at a time: a bad or overlong line is refused alone, and the next call reads on after it. */
class Utf8LinesTest {

    @Test
    void aLineLongerThanTheReaderKeepsIsRefusedAloneAndTheNextOneReads() throws IOException {
        String text = "short\n" + "x".repeat(17) + "\r\n" + "exactly-sixteen!\n" + "y".repeat(40) + "\nlast";
        try (Utf8Lines lines = new Utf8Lines(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), 16)) {
            assertEquals("short", lines.next());
            Utf8Lines.TooLong tooLong = assertThrows(Utf8Lines.TooLong.class, lines::next);
            assertTrue(tooLong.getMessage().contains("longer than 16 bytes (18 before its line end)"),
                    tooLong.getMessage());
            assertEquals("exactly-sixteen!", lines.next(), "a line of the most it keeps reads");
            assertThrows(Utf8Lines.TooLong.class, lines::next);
            assertEquals("last", lines.next());
            assertNull(lines.next());
        }
    }

    @Test
    void aLineLongerThanTheReaderKeepsThatNeverEndsIsRefusedAtTheEndOfTheInput() throws IOException {
        InputStream endless = new RepeatingInput((byte) 'z', 1L << 20); // no line end at all
        try (Utf8Lines lines = new Utf8Lines(endless, 1024)) {
            Utf8Lines.TooLong tooLong = assertThrows(Utf8Lines.TooLong.class, lines::next);
            assertTrue(tooLong.getMessage().contains("(" + (1L << 20) + " before its line end)"), tooLong.getMessage());
            assertNull(lines.next());
        }
    }

    @Test
    void aLineThatIsNotUtf8IsRefusedAloneAndTheNextOneReads() throws IOException {
        byte[] bytes = {'o', 'k', '\n', (byte) 0xC3, (byte) 0x28, '\n', 'n', 'e', 'x', 't'};
        try (Utf8Lines lines = new Utf8Lines(new ByteArrayInputStream(bytes))) {
            assertEquals("ok", lines.next());
            assertThrows(CharacterCodingException.class, lines::next);
            assertEquals("next", lines.next());
            assertNull(lines.next());
        }
    }
}
