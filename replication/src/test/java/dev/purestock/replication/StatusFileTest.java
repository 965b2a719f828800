package dev.purestock.replication;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
}
