/**
 * JMH benchmarks of purestock: each measures one layer (the pure domain, the ring, the journal) so a
 * regression can be pinned to the layer that caused it. Run them from the shaded {@code benchmarks.jar};
 * docs/benchmarks.md lists the commands and the figures measured.
 */
package dev.purestock.benchmarks;
