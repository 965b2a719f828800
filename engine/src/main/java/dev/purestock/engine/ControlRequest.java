package dev.purestock.engine;

import java.util.concurrent.CompletableFuture;

/**
 * A snapshot or digest in flight: the control future of its ring slot, which the completion stage completes once
 * every earlier command is durable, and a second part that the stage doing the work reports separately
 * ({@link #done}, {@link #failed}). The caller's {@link #result} completes with the work's value when both have, or
 * as soon as either fails.
 *
 * @param <T> what the caller gets
 */
abstract class ControlRequest<T> extends CompletableFuture<Long> {
    private final CompletableFuture<T> work = new CompletableFuture<>();
    private final CompletableFuture<T> result = new CompletableFuture<>();

    ControlRequest() {
        work.whenComplete((value, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
            }
        });
        whenComplete((durable, failure) -> {
            if (failure != null) {
                result.completeExceptionally(failure);
                return;
            }
            work.whenComplete((value, workFailure) -> {
                if (workFailure == null) {
                    result.complete(value);
                }
            });
        });
    }

    /** What the caller gets. */
    final CompletableFuture<T> result() {
        return result;
    }

    /** The work is done, with {@code value}. */
    final void done(T value) {
        work.complete(value);
    }

    /** The work could not be done, for {@code cause}. */
    final void failed(Throwable cause) {
        work.completeExceptionally(cause);
    }
}
