/**
 * The {@code purestock} command: a flash-sale demo on a journal, and the operations tools that replay, dump,
 * verify, snapshot, prune and describe a journal directory.
 */
package dev.purestock.cli;
