package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import java.nio.file.Path;
import java.util.List;

/**
 * Journals {@code count} records, then dies in the middle of the next one: it opens a Chronicle document,
 * writes half a record into it and halts the JVM without closing it, as a power cut or SIGKILL would.
 *
 * <p>Arguments: journal directory, count.
 */
public final class TornTailChild {
    private TornTailChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        int count = Integer.parseInt(args[1]);
        JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE);
        for (int s = 0; s < count; s++) {
            writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 0), List.of(new Event.ProductListed(s + 1, 0)),
                    true);
        }
        JournalRecordCodec codec = new JournalRecordCodec();
        int length = codec.encode(count, 1_000 + count, new Command.ListProduct(count + 1, 0),
                List.of(new Event.ProductListed(count + 1, 0)));
        SingleChronicleQueue queue = JournalQueues.forWriting(dir, Durability.PAGE_CACHE, JournalQueues.DEFAULT_ROLL_CYCLE);
        ExcerptAppender appender = queue.createAppender();
        DocumentContext torn = appender.writingDocument();
        torn.wire().bytes().write(codec.buffer(), 0, length / 2);
        Runtime.getRuntime().halt(0);
    }
}
