package dev.purestock.benchmarks;

import dev.purestock.domain.Command;
import dev.purestock.engine.PurestockEngine;

import java.io.IOException;
import java.time.Duration;

/** Engines that fail under a harness, for the harnesses' tests. */
public final class FailingEngines {
    private FailingEngines() {
    }

    /**
     * A small in-memory engine (ring of 64, no expiry timer) whose journal throws {@code failure} on every purchase,
     * as a full disk would: the shard stops at the first one, and every command from there on fails.
     */
    public static PurestockEngine failingPurchases(IOException failure) {
        return PurestockEngine.builder().ringSize(64).expireReservationsEvery(Duration.ZERO)
                .journal(shard -> (sequence, time, command, events, endOfBatch) -> {
                    if (command instanceof Command.Purchase) {
                        throw failure;
                    }
                })
                .build();
    }
}
