package dev.purestock.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One {@link PurestockEngine#digest} or {@link PurestockEngine#digestWithSequence} in flight. It is the control
 * future of a {@link CommandSlot.Kind#DIGEST} slot, which the completion stage completes once every earlier command
 * is durable; the stage that walks the state reports the digest separately ({@link #taken}, {@link #notTaken}): the
 * snapshot stage's writer thread, from its copy, or the decision stage, from its own state, where the shard has no
 * copy. The caller's {@link #result} completes when both have, or as soon as either fails (the shard stopped, a
 * close that ran out of time, the copy gone before the digest could be taken from it).
 */
final class DigestRequest extends CompletableFuture<Long> {
    private final int shard;
    private final CompletableFuture<ShardDigest> taken = new CompletableFuture<>();
    private final CompletableFuture<ShardDigest> result = new CompletableFuture<>();

    DigestRequest(int shard) {
        this.shard = shard;
        taken.whenComplete((digest, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            }
        });
        whenComplete((durable, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            taken.whenComplete((digest, takeFailure) -> {
                if (takeFailure == null) {
                    result.complete(digest);
                }
            });
        });
    }

    /** What the caller gets: the digest and the last sequence it covers. */
    CompletableFuture<ShardDigest> result() {
        return result;
    }

    /** What a caller of {@link PurestockEngine#digest} gets: the digest alone, or the result's very failure. */
    CompletableFuture<Long> digestAlone() {
        CompletableFuture<Long> digest = new CompletableFuture<>();
        result.whenComplete((taken, failure) -> {
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
        taken.complete(new ShardDigest(shard, lastSequence, digest));
    }

    /**
     * A close that returned before the stages stopped gave the caller up with {@code cause}, whether or not the
     * digest is taken later; nothing if the caller was answered already.
     */
    void abandoned(Throwable cause) {
        result.completeExceptionally(cause);
    }

    /** The digest could not be taken, for {@code cause}. */
    void notTaken(Throwable cause) {
        taken.completeExceptionally(cause);
    }
}
