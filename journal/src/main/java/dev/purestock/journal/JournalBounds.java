package dev.purestock.journal;

/**
 * The first and last record of a journal, read from the queue's ends as the reader found them at open.
 *
 * @param firstSequence the first record's sequence, {@code -1} when empty
 * @param lastSequence  the last record's sequence, {@code -1} when empty
 * @param firstIndex    the first record's queue index
 * @param lastIndex     the last record's queue index
 */
record JournalBounds(long firstSequence, long lastSequence, long firstIndex, long lastIndex) {

    boolean isEmpty() {
        return lastSequence < 0;
    }

    static JournalBounds of(JournalReader reader) {
        long[] first = {-1, -1};
        reader.toStart();
        reader.readRaw((index, bytes, offset, length) -> {
            first[0] = JournalRecordCodec.sequenceOf(bytes, offset, length);
            first[1] = index;
            return false;
        });
        reader.toStart();
        return first[0] < 0 ? new JournalBounds(-1, -1, -1, -1)
                : new JournalBounds(first[0], reader.lastSequence(), first[1], reader.lastIndex());
    }
}
