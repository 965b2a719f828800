package dev.purestock.journal;

import dev.purestock.domain.Command;
import dev.purestock.domain.Event;
import net.openhft.chronicle.core.io.BackgroundResourceReleaser;

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
        System.out.println("held " + hold160MiB() + " MiB");
    }

    /**
     * Holds 160 MiB. What Chronicle closed is released by the collector once the cleaners it registered have run, on
     * their own thread, after a collection found them: on a loaded machine that thread may not have run by the next
     * collection, so a failed attempt lets go, collects again and tries anew, a few times. Only a list that stays
     * reachable fails every attempt.
     */
    private static int hold160MiB() {
        OutOfMemoryError last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            BackgroundResourceReleaser.releasePendingResources();
            System.gc();
            System.gc();
            List<byte[]> held = new ArrayList<>();
            try {
                for (int i = 0; i < 160 * 16; i++) {
                    held.add(new byte[64 << 10]); // small enough not to need contiguous regions of its own
                }
                return held.size() / 16;
            } catch (OutOfMemoryError e) {
                last = e;
            }
        }
        throw last;
    }

    private static void append(JournalWriter writer, long sequence) {
        writer.onDecided(sequence, 1_000 + sequence, new Command.ListProduct(sequence + 1, 1),
                List.of(new Event.ProductListed(sequence + 1, 1)), true);
    }
}
