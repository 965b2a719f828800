package dev.purestock.engine;

import dev.purestock.domain.Event;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Collects the answers of a command sent to every shard into one; one of the engine's own callbacks, called in
 * place on each shard's completion thread, which answers the caller (on the callback executor, if one is set)
 * once every shard has answered, or at the first failure.
 */
final class Broadcast implements OutcomeCallback, CallerAnswers.Internal {
    private final OutcomeViewCallback callback;
    private final CompletableFuture<Outcome> future;
    private final CallerAnswers answers;
    private final List<List<Event>> perShard;
    private int pending;
    private long time = Long.MIN_VALUE;
    private boolean done;

    Broadcast(int shards, OutcomeViewCallback callback, CompletableFuture<Outcome> future, CallerAnswers answers) {
        this.callback = callback;
        this.future = future;
        this.answers = answers;
        this.perShard = new ArrayList<>(Collections.nCopies(shards, List.of()));
        this.pending = shards;
    }

    @Override
    public void onOutcome(int shard, long sequence, long shardTime, List<Event> events) {
        Outcome outcome = null;
        Throwable notCollected = null;
        synchronized (this) {
            perShard.set(shard, List.copyOf(events));
            time = Math.max(time, shardTime);
            if (--pending > 0 || done) {
                return;
            }
            done = true;
            try {
                // done from here on: the failure a throw of this shard's answer brings (onFailure) finds it answered,
                // so a throw here is answered here, or the caller would wait for ever
                answers.answering(Outcome.ALL_SHARDS, Outcome.NOT_SEQUENCED);
                List<Event> all = new ArrayList<>();
                perShard.forEach(all::addAll);
                outcome = new Outcome(Outcome.ALL_SHARDS, Outcome.NOT_SEQUENCED, time, all);
            } catch (Throwable e) {
                notCollected = e;
            }
        }
        if (notCollected != null) {
            answers.failure(callback, future, new OutcomeNotDeliveredException(Outcome.ALL_SHARDS,
                    Outcome.NOT_SEQUENCED, notCollected));
            return;
        }
        answers.outcome(callback, future, outcome);
    }

    @Override
    public void onFailure(Throwable cause) {
        synchronized (this) {
            if (done) {
                return;
            }
            done = true;
        }
        answers.failure(callback, future, cause);
    }
}
