package dev.purestock.engine;

import java.util.concurrent.CompletableFuture;

/**
 * One {@link PurestockEngine#digestWithSequence} in flight. It is the control future of a
 * {@link CommandSlot.Kind#DIGEST} slot, which the completion stage completes with the digest and, through
 * {@link #covered}, the last sequence the decision stage had decided before the slot; the caller's {@link #result}
 * gets both. A failure of the slot (the shard stopped, a close that ran out of time) fails the result with it.
 */
final class DigestRequest extends CompletableFuture<Long> {
    private final int shard;
    private final CompletableFuture<ShardDigest> result = new CompletableFuture<>();

    DigestRequest(int shard) {
        this.shard = shard;
        whenComplete((digest, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            }
        });
    }

    /** What the caller gets: the digest and the last sequence it covers. */
    CompletableFuture<ShardDigest> result() {
        return result;
    }

    /** The shard's state after {@code lastSequence} has {@code digest}: completes this and the caller's result. */
    void covered(long lastSequence, long digest) {
        result.complete(new ShardDigest(shard, lastSequence, digest));
        complete(digest);
    }
}
