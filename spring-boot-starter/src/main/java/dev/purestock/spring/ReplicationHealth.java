package dev.purestock.spring;

import java.util.Map;

/**
 * What the {@code purestock} health shows of replication: a type of the starter's own, so that the health indicator
 * names no replication class and loads without {@code purestock-replication} on the class path.
 */
interface ReplicationHealth {
    /** Why the primary was fenced (it must decide nothing more), or {@code null}. */
    String fenced();

    /** The details shown under {@code replication}, read now; a {@code failure} entry while replication is stopped. */
    Map<String, Object> details();
}
