package dev.purestock.cli;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;

class StatusLineWriterTest {
    private final StringWriter screen = new StringWriter();
    private final PrintWriter err = new PrintWriter(new StatusLineWriter(screen), true);
    private final String n = System.lineSeparator();

    @Test
    void aLineWrittenWhileABarIsOpenStartsALineOfItsOwn() {
        err.print("\rreplay [#...] 25% 1/4");
        err.print("\rreplay [##..] 50% 2/4");
        err.println("purestock replay: record 3 fails its checksum");
        assertEquals("\rreplay [#...] 25% 1/4\rreplay [##..] 50% 2/4" + n + "purestock replay: record 3 fails its checksum" + n,
                screen.toString());
    }

    @Test
    void aBarThatEndsItsOwnLineGetsNoBlankLine() {
        err.print("\rverify [####] 100% 4/4");
        err.println();
        err.println("journal=data");
        assertEquals("\rverify [####] 100% 4/4" + n + "journal=data" + n, screen.toString());
    }

    @Test
    void linesWithNoBarPassUnchanged() {
        err.println("note: one");
        err.print("note: two");
        err.println(" and more");
        assertEquals("note: one" + n + "note: two and more" + n, screen.toString());
    }
}
