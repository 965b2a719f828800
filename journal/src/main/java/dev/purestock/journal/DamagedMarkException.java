package dev.purestock.journal;

/**
 * The journal's high-water mark file is damaged: neither slot holds a valid mark. The records may all be whole;
 * what is lost is the knowledge of how far they were acknowledged, so no reader reads them and no cut is made for
 * it ({@link JournalRepair.Diagnosis#markDamaged}).
 */
final class DamagedMarkException extends JournalCorruptException {
    private static final long serialVersionUID = 1L;

    DamagedMarkException(String message) {
        super(message);
    }
}
