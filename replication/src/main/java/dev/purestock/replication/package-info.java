/** A hot standby over Aeron: the primary's replication stage publishes its journal records, a standby journals them. */
package dev.purestock.replication;
