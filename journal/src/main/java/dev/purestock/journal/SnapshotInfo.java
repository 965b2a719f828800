package dev.purestock.journal;

import java.nio.file.Path;

/**
 * One snapshot listed in the manifest.
 *
 * @param lastSequence the sequence of the last command the snapshot includes
 * @param time         the time stamped on that command
 * @param file         the snapshot file
 * @param bytes        its size
 */
public record SnapshotInfo(long lastSequence, long time, Path file, long bytes) {
}
