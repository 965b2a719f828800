package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Writes small journals and damages their files the ways disks and crashes do, for tests. */
final class JournalFiles {
    /** Chronicle Queue's header bit for a record whose writer has not finished it. */
    static final int NOT_COMPLETE = 0x8000_0000;
    /** Chronicle Queue's header bit for a metadata document, which a tailer reading data passes over. */
    static final int META_DATA = 0x4000_0000;
    /** The bits of a Chronicle Queue header that hold the length of its document. */
    static final int LENGTH_MASK = 0x3FFF_FFFF;

    private JournalFiles() {
    }

    /** Where {@code needle} first occurs in {@code hay}, or {@code -1}: to find a record's bytes in a cycle file. */
    static long indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /**
     * Journals {@code count} records from {@code from} (record {@code s} lists sku {@code s + 1}), ending a
     * batch, and so moving the high-water mark, only at {@code lastAcknowledged}, if it is among them. Each
     * record is a document of its own, as before batch documents, so that tests can damage one record's header.
     */
    static void write(Path dir, long from, long count, long lastAcknowledged) {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)
                .documentBytes(JournalWriter.ONE_RECORD_PER_DOCUMENT)) {
            for (long s = from; s < from + count; s++) {
                writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                        List.of(new Event.ProductListed(s + 1, 1)), s == lastAcknowledged);
            }
        }
    }

    /** Journals {@code count} records from {@code from}, each acknowledged. */
    static void write(Path dir, long from, long count) {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            for (long s = from; s < from + count; s++) {
                writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                        List.of(new Event.ProductListed(s + 1, 1)), true);
            }
        }
    }

    /**
     * Appends each of {@code documents} as it is, one Chronicle Queue document each, as the journal's own queue
     * would hold them: to write records of an older format, or documents the writer would never make.
     */
    static void appendRaw(Path dir, byte[]... documents) {
        try (SingleChronicleQueue queue = JournalQueues.forWriting(dir, Durability.PAGE_CACHE,
                JournalQueues.DEFAULT_ROLL_CYCLE);
             ExcerptAppender appender = queue.createAppender()) {
            for (byte[] document : documents) {
                try (DocumentContext context = appender.writingDocument()) {
                    context.wire().bytes().write(document);
                }
            }
        }
    }

    /**
     * Journals {@code count} records from {@code from} in engine batches of {@code batch} commands (the last may
     * be shorter), each batch one batch document when it fits {@code documentBytes}, moving the high-water mark
     * at the end of each batch up to {@code lastAcknowledged}; the batches after it are written but never end.
     */
    static void writeBatches(Path dir, long from, long count, int batch, int documentBytes, long lastAcknowledged) {
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE).documentBytes(documentBytes)) {
            for (long s = from; s < from + count; s++) {
                boolean endOfBatch = (s - from) % batch == batch - 1 || s == from + count - 1;
                writer.onDecided(s, 1_000 + s, new Command.ListProduct(s + 1, 1),
                        List.of(new Event.ProductListed(s + 1, 1)), endOfBatch && s <= lastAcknowledged);
            }
        }
    }

    /** The file offset of each document's 4-byte Chronicle header, in order, in the only cycle file. */
    static List<Long> headerOffsets(Path dir) {
        List<Long> offsets = new ArrayList<>();
        try (SingleChronicleQueue queue = SingleChronicleQueueBuilder.binary(dir).readOnly(true).build();
             ExcerptTailer tailer = queue.createTailer()) {
            while (true) {
                try (DocumentContext document = tailer.readingDocument()) {
                    if (!document.isPresent()) {
                        return offsets;
                    }
                    offsets.add(document.wire().bytes().readPosition() - 4);
                }
            }
        }
    }

    /** The only cycle file of the journal. */
    static Path cycleFile(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> cycles = files.filter(f -> f.toString().endsWith(SingleChronicleQueue.SUFFIX)).toList();
            if (cycles.size() != 1) {
                throw new IllegalStateException("expected one cycle file in " + dir + ", found " + cycles);
            }
            return cycles.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static int readInt(Path file, long offset) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(offset);
            return Integer.reverseBytes(raf.readInt());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void writeInt(Path file, long offset, int value) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset);
            raf.writeInt(Integer.reverseBytes(value));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void truncate(Path file, long length) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The offset of the first 8-byte-aligned little-endian long in {@code file} equal to {@code value}: where Chronicle
     * Queue keeps a position, in its cycle header (the write position) or its index (an entry).
     */
    static long offsetOfLong(Path file, long value) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            for (long at = 0; at + Long.BYTES <= raf.length(); at += Long.BYTES) {
                raf.seek(at);
                if (Long.reverseBytes(raf.readLong()) == value) {
                    return at;
                }
            }
            throw new IllegalStateException("no long " + value + " in " + file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Flips bit {@code bit} (0: lowest) of the little-endian long at {@code offset} of {@code file}. */
    static void flipBit(Path file, long offset, int bit) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset + bit / 8);
            int was = raf.read();
            raf.seek(offset + bit / 8);
            raf.write(was ^ (1 << (bit % 8)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
