package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Works on a journal whose Chronicle index or cycle header a test damaged, in a small heap (the parent starts it with
 * {@code -Xmx256m}), and prints one line per step: what it read, what a writer was told, what a repair did. It ends
 * by holding 160 MiB, which it can only do if nothing it still uses keeps the slot list Chronicle filled.
 *
 * <p>Arguments: journal directory.
 */
public final class HeaderDamageChild {
    private HeaderDamageChild() {
    }

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        try (JournalReader reader = JournalReader.open(dir)) {
            System.out.println("end " + reader.lastSequence() + ", read " + reader.read((index, record) -> true));
            System.out.println("seek 150 " + reader.seek(150) + ", read " + reader.read((index, record) -> true));
        }
        try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
            append(writer, 300);
            System.out.println("appended 300");
        } catch (JournalCorruptException refused) {
            System.out.println("writer refused: " + refused.getMessage());
            JournalRepair.Diagnosis diagnosis = JournalRepair.diagnose(dir);
            System.out.println("diagnosed: last good " + diagnosis.lastGoodSequence() + ", damage "
                    + diagnosis.damage().isPresent() + ", loses acknowledged " + diagnosis.losesAcknowledged());
            JournalRepair.truncateAfter(dir, diagnosis.lastGoodSequence());
            try (JournalWriter writer = JournalWriter.open(dir, Durability.PAGE_CACHE)) {
                append(writer, 300);
                System.out.println("appended 300 after the repair");
            }
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            System.out.println("end " + reader.lastSequence() + ", read " + reader.read((index, record) -> true));
        }
        // what Chronicle closed is released by the collector once the cleaners it registered have run: two collections
        System.gc();
        System.gc();
        List<byte[]> held = new ArrayList<>();
        for (int i = 0; i < 160 * 16; i++) {
            held.add(new byte[64 << 10]); // small enough not to need contiguous regions of its own
        }
        System.out.println("held " + held.size() / 16 + " MiB");
    }

    private static void append(JournalWriter writer, long sequence) {
        writer.onDecided(sequence, 1_000 + sequence, new Command.ListProduct(sequence + 1, 1),
                List.of(new Event.ProductListed(sequence + 1, 1)), true);
    }
}
