package dev.purestock.engine;

import dev.purestock.domain.StateDigest;

/**
 * A shard's {@link StateDigest} together with the last sequence it covers, as
 * {@link PurestockEngine#digestWithSequence} answers it: the state after exactly the commands the shard sequenced up
 * to {@code lastSequence}, the engine's own time commands (expiring reservations, deciding held commands,
 * forgetting orders) included. The state of a journal recovered up to that sequence
 * ({@code JournalRecovery.recoverUntil}, {@code purestock replay --until-seq}) has this digest, whatever the shard
 * sequenced after it.
 *
 * @param shard        the shard, {@code >= 0}
 * @param lastSequence the sequence of the last command the digest covers, a recovered one included; {@code -1}
 *                     when the shard holds none yet (its journal is empty)
 * @param digest       the {@link StateDigest} of the shard's state after that command
 */
public record ShardDigest(int shard, long lastSequence, long digest) {
    public ShardDigest {
        if (shard < 0) {
            throw new IllegalArgumentException("shard must be >= 0, was " + shard);
        }
        if (lastSequence < -1) {
            throw new IllegalArgumentException("last sequence must be >= -1 (-1: none), was " + lastSequence);
        }
    }

    /** The digest as {@code purestock replay} prints its {@code state-hash}: 16 hex digits. */
    public String stateHash() {
        return StateDigest.format(digest);
    }

    /** As an operator compares it: {@code shard=0 last-sequence=41 state-hash=0c7e3d6c6df88bbd}. */
    @Override
    public String toString() {
        return "shard=" + shard + " last-sequence=" + lastSequence + " state-hash=" + stateHash();
    }
}
