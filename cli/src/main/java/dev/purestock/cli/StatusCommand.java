package dev.purestock.cli;

import dev.purestock.journal.JournalDamagedException;
import dev.purestock.journal.JournalEpoch;
import dev.purestock.journal.JournalException;
import dev.purestock.journal.JournalReader;
import dev.purestock.replication.ReplicationRole;
import dev.purestock.replication.ReplicationStatus;
import dev.purestock.replication.StatusFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code purestock status}: where a journal and its replication stand: the epoch, the last sequence, and, when a
 * primary or standby runs on it, what that process last wrote of itself ({@link StatusFile}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Shows where a journal stands: the epoch its directory records, its last sequence and the "
                + "epoch of its last record; and, when a replication primary or standby runs (or ran) on it, the "
                + "status it writes beside the journal about once a second: its role, mode, whether it is "
                + "connected, the standby's lag in records and microseconds, whether SYNC is degraded, why it "
                + "stopped if it did, and on a standby its newest snapshot and why its snapshots stopped if they "
                + "did. A status older than 5 seconds is marked stale: the process is gone or hung.",
                "Reads only; works beside a running engine or standby."})
final class StatusCommand implements Callable<Integer> {
    /** A status file older than this is marked stale: its process no longer writes it. */
    static final long STALE_AFTER_MILLIS = 5_000;

    @Mixin
    JournalDirOption journal;

    @Mixin
    ShardOption shard;

    @Mixin
    JsonOption output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        JournalTarget target = JournalTarget.openUnchecked(journal.dir, shard.index, spec);
        Summary summary = new Summary().put("journal", journal.dir);
        if (!target.sharded()) {
            describe(summary, target.shards().getFirst());
        } else {
            List<Summary> perShard = new ArrayList<>();
            for (JournalTarget.Shard one : target.shards()) {
                perShard.add(describe(new Summary().put("shard", one.index()), one));
            }
            summary.put("shard-count", target.shardCount()).putShards(perShard);
        }
        summary.print(spec.commandLine().getOut(), output.json);
        return 0;
    }

    private static Summary describe(Summary summary, JournalTarget.Shard shard) {
        try {
            summary.put("epoch", JournalEpoch.read(shard.dir()));
        } catch (JournalException e) {
            // what the journal itself says is still shown, as for a journal it cannot read (journal-error)
            summary.put("epoch-error", e.getMessage());
        }
        Long last = -1L;
        Long lastEpoch = null;
        if (shard.hasCycles()) {
            // a cycle file with no header is named at once: Chronicle Queue would wait for it, 10 s a look
            try (JournalReader reader = JournalReader.open(shard.dir())) {
                last = reader.lastSequence();
                if (last >= 0) {
                    lastEpoch = reader.lastEpoch();
                }
                reader.unreadNewestCycle().ifPresent(note -> summary.put("journal-note", note));
            } catch (JournalDamagedException e) {
                summary.put("journal-error", e.getMessage());
                last = e.lastReadableSequence();
            } catch (JournalException e) {
                // the journal's end is unknown: -1 would say it holds no record
                summary.put("journal-error", e.getMessage());
                last = null;
            }
        } else {
            try {
                Cli.requireNothingAcknowledged(shard.dir());
            } catch (JournalException e) {
                summary.put("journal-error", e.getMessage());
            }
        }
        if (last != null) {
            summary.put("last-seq", last);
        }
        if (lastEpoch != null) {
            summary.put("last-record-epoch", lastEpoch);
        }
        StatusFile.Written written;
        try {
            written = StatusFile.read(shard.dir());
        } catch (IllegalArgumentException | UncheckedIOException e) {
            // what the journal itself says is still shown: the file only says what the last process wrote of itself
            return summary.put("replication-error", e.getMessage());
        }
        if (written == null) {
            return summary.put("replication", "none (no primary or standby has run on this journal)");
        }
        ReplicationStatus status = written.status();
        long age = System.currentTimeMillis() - written.writtenAt();
        summary.put("role", status.role().name().toLowerCase(Locale.ROOT));
        if (status.mode() != null) {
            summary.put("mode", status.mode().name());
        }
        summary.put("replication-epoch", status.epoch())
                .put("connected", status.connected())
                .put("replicated-last-seq", status.lastSequence())
                .put(status.role() == ReplicationRole.PRIMARY ? "acked-seq" : "primary-seq", status.peerSequence())
                .put("lag-records", status.lagRecords())
                .put("lag-us", status.lagMicros())
                .put("degraded", status.degraded())
                .put("degradations", status.degradations());
        if (status.failure() != null) {
            summary.put("failure", status.failure());
        }
        if (status.role() == ReplicationRole.STANDBY) {
            summary.put("last-snapshot-seq", status.lastSnapshot());
            if (status.snapshotFailure() != null) {
                summary.put("snapshot-failure", status.snapshotFailure());
            }
        }
        summary.put("status-written", Instant.ofEpochMilli(written.writtenAt()).toString())
                .put("pid", written.pid())
                .put("stale", age > STALE_AFTER_MILLIS);
        return summary;
    }
}
