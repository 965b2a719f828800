package dev.purestock.journal;

/**
 * The first and last record of a journal, read from the queue's ends.
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
        reader.readRaw((index, bytes, length) -> {
            first[0] = JournalRecordCodec.sequenceOf(bytes, 0, length);
            first[1] = index;
            return false;
        });
        long lastIndex = reader.lastIndex();
        long[] last = {-1};
        if (first[0] >= 0 && reader.moveToIndex(lastIndex)) {
            reader.readRaw((index, bytes, length) -> {
                last[0] = JournalRecordCodec.sequenceOf(bytes, 0, length);
                return false;
            });
        }
        reader.toStart();
        return new JournalBounds(first[0], last[0], first[1], lastIndex);
    }
}
