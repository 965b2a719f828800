/**
 * The pure inventory domain of purestock.
 *
 * <p>{@link dev.purestock.domain.Command}s say what a caller wants, {@link dev.purestock.domain.Event}s say
 * what happened. {@link dev.purestock.domain.Inventory#decide} holds every business rule and returns events
 * without changing anything; {@link dev.purestock.domain.Inventory#evolve} applies one event to a
 * {@link dev.purestock.domain.MutableInventory} and holds no rules. The domain reads state only through the
 * {@link dev.purestock.domain.InventoryState} port, so the engine can back it with primitive maps while the
 * tests use {@link dev.purestock.domain.MapInventoryStore}. Nothing here reads a clock, draws a random number
 * or performs I/O: time arrives as the {@code now} argument, stamped by whoever sequences the command.
 *
 * <p>This module depends on the JDK only; the build fails if that changes.
 */
package dev.purestock.domain;
