package dev.purestock.replication;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusFileTest {
    @TempDir
    Path dir;

    @Test
    void aStatusIsReadBackAsItWasWrittenFailuresOverSeveralLinesIncluded() {
        ReplicationStatus written = new ReplicationStatus(ReplicationRole.STANDBY, null, 2, true, 41, 44, 3, 120,
                false, 0, 1, 2, null, 40, "java.io.IOException: disk full\n\tat somewhere");

        new StatusFile(dir).write(written);

        assertEquals(written, StatusFile.read(dir).status());
    }

    @Test
    void aStatusWrittenBeforeStandbysCutSnapshotsSaysNone() throws Exception {
        Files.writeString(dir.resolve(StatusFile.FILE_NAME), String.join("\n", "role=STANDBY", "epoch=0",
                "connected=false", "lastSequence=9", "peerSequence=9", "lagRecords=0", "lagMicros=0", "degraded=false",
                "degradations=0", "duplicates=0", "gaps=0", "writtenAt=1", "pid=1"));

        ReplicationStatus read = StatusFile.read(dir).status();

        assertEquals(-1, read.lastSnapshot());
        assertNull(read.snapshotFailure());
        assertEquals(9, read.lastSequence());
    }

    /**
     * A primary is started before its engine (the documented order), and a new engine creates the journal's
     * directory only as it starts: the status due before that is no failure worth a warning. It used to log "cannot
     * write the replication status" once at every such start. A directory that exists and cannot take the file is.
     */
    @Test
    void aStatusDueBeforeItsJournalDirectoryExistsIsNoWarningAndIsWrittenOnceItDoes() throws Exception {
        Path journal = dir.resolve("journal");
        ReplicationStatus status = new ReplicationStatus(ReplicationRole.PRIMARY, ReplicationMode.ASYNC, 0, false, -1,
                -1, 0, 0, false, 0, 0, 0, null, -1, null);
        StatusFile file = new StatusFile(journal);

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            file.write(status);
            assertNull(StatusFile.read(dir.resolve("journal")));
            Files.createDirectory(journal);
            file.write(status);
            Files.writeString(dir.resolve("not-a-directory"), "");
            new StatusFile(dir.resolve("not-a-directory")).write(status);
        } finally {
            System.setErr(err);
        }

        assertEquals(status, StatusFile.read(journal).status());
        String logged = captured.toString(StandardCharsets.UTF_8);
        assertFalse(logged.contains("cannot write the replication status to " + journal), logged);
        assertTrue(logged.contains("cannot write the replication status to " + dir.resolve("not-a-directory")), logged);
    }
}
