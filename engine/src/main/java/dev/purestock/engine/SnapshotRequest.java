package dev.purestock.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One {@link PurestockEngine#snapshot} in flight. It is the control future of the snapshot's ring slot, which
 * the completion stage completes once every earlier command is durable; the snapshot stage reports the write
 * separately ({@link #written}, {@link #failedToWrite}). The caller's {@link #result} completes when both
 * have, or as soon as either fails.
 */
final class SnapshotRequest extends CompletableFuture<Long> {
    private final CompletableFuture<Long> written = new CompletableFuture<>();
    private final CompletableFuture<Long> result = new CompletableFuture<>();

    SnapshotRequest() {
        written.whenComplete((sequence, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            }
        });
        whenComplete((durable, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            written.whenComplete((sequence, writeFailure) -> {
                if (writeFailure == null) {
                    result.complete(sequence);
                }
            });
        });
    }

    /** What the caller gets: the last sequence the snapshot covers. */
    CompletableFuture<Long> result() {
        return result;
    }

    /** The snapshot covering up to {@code lastSequence} is written. */
    void written(long lastSequence) {
        written.complete(lastSequence);
    }

    /** The snapshot could not be written. */
    void failedToWrite(Throwable cause) {
        written.completeExceptionally(cause);
    }
}
