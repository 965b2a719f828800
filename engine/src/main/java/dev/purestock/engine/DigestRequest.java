package dev.purestock.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One {@link PurestockEngine#digest} or {@link PurestockEngine#digestWithSequence} in flight. It is the control
 * future of a {@link CommandSlot.Kind#DIGEST} slot, which the completion stage completes once every earlier command
 * is durable; the stage that walks the state reports the digest separately ({@link #taken}, {@link #notTaken}, as a
 * {@link ControlRequest}): the snapshot stage's writer thread, from its copy, or the decision stage, from its own
 * state, where the shard has no copy. The caller's {@link #result} completes when both have, or as soon as either
 * fails (the shard stopped, a close that ran out of time, the copy gone before the digest could be taken from it).
 */
final class DigestRequest extends ControlRequest<ShardDigest> {
    private final int shard;

    DigestRequest(int shard) {
        this.shard = shard;
    }

    /** What a caller of {@link PurestockEngine#digest} gets: the digest alone, or the result's very failure. */
    CompletableFuture<Long> digestAlone() {
        CompletableFuture<Long> digest = new CompletableFuture<>();
        result().whenComplete((taken, failure) -> {
            if (failure == null) {
                digest.complete(taken.digest());
            } else {
                digest.completeExceptionally(failure);
            }
        });
        return digest;
    }

    /** The shard's state after {@code lastSequence} has {@code digest}. */
    void taken(long lastSequence, long digest) {
        done(new ShardDigest(shard, lastSequence, digest));
    }

    /**
     * A close that returned before the stages stopped gave the caller up with {@code cause}, whether or not the
     * digest is taken later; nothing if the caller was answered already.
     */
    void abandoned(Throwable cause) {
        result().completeExceptionally(cause);
    }

    /** The digest could not be taken, for {@code cause}. */
    void notTaken(Throwable cause) {
        failed(cause);
    }
}
