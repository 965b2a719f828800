package dev.purestock.engine;

/**
 * One {@link PurestockEngine#snapshot} in flight. It is the control future of the snapshot's ring slot, which the
 * completion stage completes once every earlier command is durable; the snapshot stage reports the write separately
 * ({@link #written}, {@link #failedToWrite}, as a {@link ControlRequest}). The caller's {@link #result} completes
 * when both have, or as soon as either fails.
 */
final class SnapshotRequest extends ControlRequest<Long> {
    /** The snapshot covering up to {@code lastSequence} is written. */
    void written(long lastSequence) {
        done(lastSequence);
    }

    /** The snapshot could not be written. */
    void failedToWrite(Throwable cause) {
        failed(cause);
    }
}
