package dev.purestock.journal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * The epoch (term) of a journal, and the fencing rules built on it. Every record carries the epoch of the primary
 * that wrote it ({@link JournalRecord#epoch()}); a journal directory records its current epoch durably in
 * {@value #FILE_NAME}, and its writer stamps that epoch on every record it appends. A journal starts in epoch
 * {@value #INITIAL} (and a directory without the file is in epoch {@value #INITIAL}, as every journal written
 * before epochs is); promoting a standby to primary ({@link #promote}) starts the next epoch, recorded before any
 * record of it is written. Epochs never go down along a journal: {@code purestock verify} refuses one where they
 * do, and whoever receives a record checks it with {@link #requireNotStale}, so a primary of an older epoch that
 * comes back cannot fork the history.
 *
 * <p>The epoch is kept per one-shard journal directory: the directory itself for a one-shard journal, each
 * {@code DIR/shard-N} for a sharded one ({@link JournalLayout}), since each shard is a journal that is written,
 * replicated, verified and cut on its own. Changing the epoch is writing to the journal: the caller holds the
 * directory's {@link JournalLock}, as {@code purestock promote} does (a running engine holds it, so promoting a
 * directory an engine writes to is refused).
 *
 * <p>The file is text, {@code epoch=N}, written to a temporary file, forced to the device, renamed over the old one
 * and the directory forced: a crash leaves the old epoch or the new one, never a torn file. {@link #read} is the one
 * place it is read, and refuses, naming the file and what it holds, anything but an epoch from {@code 0} to
 * {@link #MAX}: every reader of the journal, and an engine's or standby's start, refuses such a directory alike.
 */
public final class JournalEpoch {
    /** The file, in a one-shard journal directory, that records its current epoch. */
    public static final String FILE_NAME = "purestock-epoch.properties";
    /** The property of {@link #FILE_NAME} that holds the epoch. */
    public static final String EPOCH_PROPERTY = "epoch";
    /** The epoch of a journal never promoted, and of every record written before records carried one. */
    public static final long INITIAL = JournalRecordDescriptor.EPOCH_BEFORE_EPOCHS;
    /**
     * The largest epoch a promotion starts: the largest replication carries (its message header holds an int32).
     * Epochs go up by one a promotion, so a journal reaches it only through an epoch file written by hand or damaged.
     */
    public static final long MAX = Integer.MAX_VALUE;
    /** How many bytes an epoch file may hold: one line, and what comments a hand that edits it adds. */
    private static final long MAX_FILE_BYTES = 65_536;
    private static final int DIGITS_OF_MAX = Long.toString(MAX).length();
    /** How many characters of what an epoch file holds instead of an epoch a refusal quotes. */
    private static final int SHOWN_CHARS = 32;
    private static final String COMMENT = "purestock journal epoch: the term of the primary writing this journal, "
            + "stamped on every record it appends; raised by promotion, never lowered";

    private JournalEpoch() {
    }

    /**
     * What {@link #promote} did.
     *
     * @param previousEpoch the epoch the directory recorded before
     * @param epoch         the epoch it records now, which the next record written to it carries
     * @param nextSequence  the sequence the next record will have ({@code 0} for an empty journal)
     */
    public record Promotion(long previousEpoch, long epoch, long nextSequence) {
    }

    /**
     * The epoch the journal in {@code dir} records; {@link #INITIAL} when it records none. The one place the file is
     * read: whatever it holds that is not an epoch from {@code 0} to {@link #MAX} is refused here, in one shape of
     * line (see {@link #unusable}).
     *
     * @throws JournalException when the file exists but does not hold such an epoch, or cannot be read
     */
    public static long read(Path dir) {
        Path file = dir.resolve(FILE_NAME);
        if (!Files.exists(file)) {
            return INITIAL;
        }
        String value = epochProperty(dir, file).trim();
        if (value.isEmpty()) {
            throw unusable(dir, file, "holds " + EPOCH_PROPERTY + "= with no number");
        }
        if (!digitsOnly(value)) {
            throw unusable(dir, file, value.startsWith("-") && digitsOnly(value.substring(1))
                    ? "holds " + EPOCH_PROPERTY + "=" + shown(value) + ", below 0"
                    : "holds " + EPOCH_PROPERTY + "='" + shown(value) + "', not a number (digits 0-9 only)");
        }
        // more digits than MAX has cannot be at most MAX, and parsing them would overflow
        if (value.length() > DIGITS_OF_MAX || Long.parseLong(value) > MAX) {
            throw unusable(dir, file, "holds " + EPOCH_PROPERTY + "=" + shown(value) + ", past the largest (epochs "
                    + "go up by one a promotion, so the file was written by hand or is damaged)");
        }
        return Long.parseLong(value);
    }

    /** The value of {@link #EPOCH_PROPERTY} in {@code file}, untrimmed: the file must be UTF-8 properties text. */
    private static String epochProperty(Path dir, Path file) {
        byte[] bytes;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                throw unusable(dir, file, "is " + size + " bytes, more than an epoch file holds");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new JournalException("cannot read epoch file " + file + " of journal " + dir + ": " + e.getMessage(),
                    e);
        }
        if (bytes.length == 0) {
            throw unusable(dir, file, "is empty");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer text = CharBuffer.allocate(bytes.length);
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        CoderResult decoded = decoder.decode(in, text, true);
        if (!decoded.isError()) {
            decoded = decoder.flush(text);
        }
        if (decoded.isError()) {
            throw unusable(dir, file, "is not UTF-8 text (byte " + String.format("0x%02x", bytes[in.position()])
                    + " at offset " + in.position() + ")");
        }
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(text.flip().toString()));
        } catch (IOException | IllegalArgumentException e) {
            throw unusable(dir, file, "is not a properties file (" + e.getMessage() + ")");
        }
        String value = properties.getProperty(EPOCH_PROPERTY);
        if (value == null) {
            throw unusable(dir, file, "holds no " + EPOCH_PROPERTY + "= line");
        }
        return value;
    }

    /**
     * The refusal of an epoch file that holds no epoch: the file, {@code problem} (what it holds instead), what it
     * must hold and what to do. The last record's epoch is sent to {@code dump}, which reads no epoch file.
     */
    private static JournalException unusable(Path dir, Path file, String problem) {
        return new JournalException("epoch file " + file + " " + problem + ": it must hold " + EPOCH_PROPERTY
                + "=N, N the epoch of journal " + dir + " from 0 to " + MAX + " (the largest replication carries); "
                + "restore it from a copy of the directory, or write in it the epoch of the journal's last record (the "
                + "last line of `purestock dump --journal " + dir + "` shows it as " + EPOCH_PROPERTY + "=N)");
    }

    private static boolean digitsOnly(String value) {
        if (value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** {@code value} as a refusal quotes it: cut short when long, control characters shown as {@code ?}. */
    private static String shown(String value) {
        String cut = value.length() <= SHOWN_CHARS ? value
                : value.substring(0, SHOWN_CHARS) + "... (" + value.length() + " characters)";
        StringBuilder shown = new StringBuilder(cut.length());
        cut.chars().forEach(c -> shown.append(Character.isISOControl(c) ? '?' : (char) c));
        return shown.toString();
    }

    /**
     * The highest epoch the journal in {@code dir} has seen: the larger of the one it records and that of its last
     * record (larger only when the epoch file was lost or restored from an older copy). A new epoch must exceed it.
     *
     * @throws JournalException when the epoch file cannot be read, or the journal cannot be read to its end
     */
    public static long highest(Path dir) {
        long recorded = read(dir);
        if (!JournalQueues.hasJournal(dir)) {
            return recorded;
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            return Math.max(recorded, reader.lastEpoch());
        }
    }

    /**
     * Starts the next epoch on the journal in {@code dir}: records {@link #highest}{@code  + 1}, durably, before it
     * returns. The caller holds the directory's {@link JournalLock} and opens its writer afterwards: every record
     * appended from then on carries the new epoch.
     *
     * @throws JournalException when the journal or its epoch cannot be read, the epoch cannot be recorded, or the
     *                          journal has seen epoch {@link #MAX} already (see {@link #next})
     */
    public static Promotion promote(Path dir) {
        return promote(dir, next(dir));
    }

    /**
     * The epoch a promotion of the journal in {@code dir} starts: {@link #highest}{@code  + 1}.
     *
     * @throws JournalException when the journal or its epoch cannot be read, or it has seen epoch {@link #MAX}
     *                          already, past which no promotion goes: the message names its epoch and what to do
     */
    public static long next(Path dir) {
        long highest = highest(dir);
        if (highest >= MAX) {
            throw new JournalException("journal " + dir + " has seen epoch " + highest + ", the largest a promotion "
                    + "starts (the largest replication carries, " + MAX + "), in " + FILE_NAME + " or its last "
                    + "record: no promotion goes past it. Epochs go up by one a promotion, so that epoch was written "
                    + "by hand or is damaged: restore " + FILE_NAME + " from a copy of the directory, or write the "
                    + "epoch of the journal's last record in it (`purestock stats --journal " + dir + "`)");
        }
        return highest + 1;
    }

    /**
     * Starts epoch {@code epoch} on the journal in {@code dir}, as {@link #promote(Path)} does: for promoting the
     * shards of a sharded journal to one common epoch, the highest of theirs plus one.
     *
     * @throws IllegalArgumentException when {@code epoch} is negative, or past {@link #MAX} (nothing is recorded)
     * @throws StaleEpochException      when {@code epoch} is not above {@link #highest} of the journal
     * @throws JournalException         when the journal or its epoch cannot be read, or the epoch cannot be recorded
     */
    public static Promotion promote(Path dir, long epoch) {
        requireValid(epoch);
        if (epoch > MAX) {
            throw new IllegalArgumentException("cannot start epoch " + epoch + " on journal " + dir + ": a promotion "
                    + "starts at most epoch " + MAX + ", the largest replication carries");
        }
        long recorded = read(dir);
        long highest = recorded;
        long nextSequence = 0;
        if (JournalQueues.hasJournal(dir)) {
            try (JournalReader reader = JournalReader.open(dir)) {
                highest = Math.max(recorded, reader.lastEpoch());
                nextSequence = reader.lastSequence() + 1;
            }
        }
        if (epoch <= highest) {
            throw new StaleEpochException("cannot start epoch " + epoch + " on journal " + dir + ": it has seen epoch "
                    + highest + " already; a new epoch is above every one before it", epoch, highest);
        }
        write(dir, epoch);
        return new Promotion(recorded, epoch, nextSequence);
    }

    /**
     * Records {@code epoch} as the journal's current epoch when it is newer than the recorded one, durably, before
     * it returns; does nothing when it is the recorded one. What a standby does before it appends the first record
     * of a newer epoch than its own. The caller holds the directory's {@link JournalLock}.
     *
     * @return the epoch the journal records now
     * @throws IllegalArgumentException when {@code epoch} is negative, or past {@link #MAX} (nothing is recorded)
     * @throws StaleEpochException      when {@code epoch} is older than the recorded one
     * @throws JournalException         when the epoch cannot be read or recorded
     */
    public static long advanceTo(Path dir, long epoch) {
        requireValid(epoch);
        if (epoch > MAX) {
            throw new IllegalArgumentException("cannot record epoch " + epoch + " on journal " + dir + ": an epoch is "
                    + "at most " + MAX + ", the largest replication carries");
        }
        long recorded = read(dir);
        requireNotStale(epoch, recorded, dir);
        if (epoch > recorded) {
            write(dir, epoch);
        }
        return epoch;
    }

    /**
     * Refuses to write to the journal in {@code dir} when its last record is of a newer epoch than the directory
     * records (the epoch file was lost, or restored from an older copy): the next records would go back in epoch.
     *
     * @throws JournalException naming both epochs
     */
    static void requireRecordedCoversJournal(Path dir) {
        long recorded = read(dir);
        if (!JournalQueues.hasJournal(dir)) {
            return;
        }
        try (JournalReader reader = JournalReader.open(dir)) {
            if (reader.lastEpoch() > recorded) {
                throw new JournalException("journal " + dir + " ends with a record (seq " + reader.lastSequence()
                        + ") of epoch " + reader.lastEpoch() + " but records epoch " + recorded + " (" + FILE_NAME
                        + "): new records would go back in epoch; restore the file from a copy of the directory, or "
                        + "start a newer epoch with `purestock promote --journal " + dir + "`");
            }
        }
    }

    /** Whether something of {@code incoming} epoch is older than {@code current}, and so must be refused. */
    public static boolean isStale(long incoming, long current) {
        return incoming < current;
    }

    /**
     * Refuses a record of an epoch older than {@code current}, the epoch of the journal receiving it: a primary
     * of an older epoch is writing, one that was promoted away from and must rejoin as a standby.
     *
     * @param incoming the record's epoch ({@link JournalRecordCodec#epochOf})
     * @param current  the receiving journal's epoch
     * @param sequence the record's sequence, named in the refusal
     * @throws StaleEpochException when {@code incoming} is older than {@code current}
     */
    public static void requireNotStale(long incoming, long current, long sequence) {
        if (isStale(incoming, current)) {
            throw new StaleEpochException("journal record seq " + sequence + " is of epoch " + incoming
                    + ", older than epoch " + current + " of the journal receiving it: its primary was superseded by "
                    + "a promotion; refused so the history cannot fork (restart that primary as a standby)",
                    incoming, current);
        }
    }

    private static void requireNotStale(long incoming, long current, Path dir) {
        if (isStale(incoming, current)) {
            throw new StaleEpochException("epoch " + incoming + " is older than epoch " + current + " of journal "
                    + dir + "; an epoch is never lowered", incoming, current);
        }
    }

    static long requireValid(long epoch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("an epoch is at least 0, was " + epoch);
        }
        return epoch;
    }

    private static void write(Path dir, long epoch) {
        try {
            DurablePropertyFile.write(dir, FILE_NAME, COMMENT, EPOCH_PROPERTY, Long.toString(epoch));
        } catch (IOException e) {
            throw new JournalException("cannot record epoch " + epoch + " of journal " + dir + " in "
                    + dir.resolve(FILE_NAME) + ": " + e.getMessage(), e);
        }
    }
}
