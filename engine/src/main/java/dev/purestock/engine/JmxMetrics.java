package dev.purestock.engine;

import dev.purestock.domain.RejectionReason;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import javax.management.InstanceAlreadyExistsException;
import javax.management.InstanceNotFoundException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * Publishes an engine's {@link EngineMetrics} as JMX MBeans, for a service without Micrometer (JConsole, VisualVM,
 * a JMX exporter): one {@link ShardMetricsMXBean} per shard, {@code dev.purestock:type=Engine,name=<name>,shard=<N>},
 * and one {@link EngineMetricsMXBean}, {@code dev.purestock:type=Engine,name=<name>}. The name keeps several
 * engines of one JVM apart. {@link #close()} unregisters them; it does not close the engine.
 *
 * <pre>{@code
 * try (JmxMetrics jmx = JmxMetrics.register(engine, "orders")) {
 *     ... // the engine runs; its MBeans can be read
 * }
 * }</pre>
 */
public final class JmxMetrics implements AutoCloseable {
    /** The JMX domain of purestock's MBeans. */
    public static final String DOMAIN = "dev.purestock";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final MBeanServer server;
    private final List<ObjectName> names;
    private boolean closed;

    private JmxMetrics(MBeanServer server, List<ObjectName> names) {
        this.server = server;
        this.names = List.copyOf(names);
    }

    /** {@link #register(EngineMetrics, String, MBeanServer)} of the engine's metrics on the platform MBean server. */
    public static JmxMetrics register(PurestockEngine engine, String name) {
        return register(engine.metrics(), name, ManagementFactory.getPlatformMBeanServer());
    }

    /**
     * Registers the MBeans of {@code metrics} on {@code server} under {@code name}. A registration that fails part
     * way (an {@link Error} too) unregisters the MBeans it had registered before it throws, so the name is free again.
     *
     * @param name the engine's name in the MBeans' object names: 1 to 64 letters, digits, {@code _ . -}
     * @throws IllegalArgumentException when {@code name} is not such a name
     * @throws IllegalStateException    when MBeans of that name are registered already (another engine of the same
     *                                  name, or this one twice); nothing is registered then
     */
    public static JmxMetrics register(EngineMetrics metrics, String name, MBeanServer server) {
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(server, "server");
        Objects.requireNonNull(name, "name");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("the engine's JMX name must be 1 to 64 letters, digits, '_', '.' "
                    + "or '-', was \"" + name + "\"");
        }
        List<ObjectName> registered = new ArrayList<>(metrics.shards() + 1);
        try {
            registered.add(register(server, new EngineBean(metrics), engineName(name)));
            for (ShardMetrics shard : metrics.allShards()) {
                registered.add(register(server, new ShardBean(shard), shardName(name, shard.shard())));
            }
        } catch (RuntimeException | Error e) {
            // an Error too (the server's, or memory running out as it introspects a bean): the MBeans registered so
            // far, with no registration to close them, would keep the name taken until the JVM exits
            Throwable notUnregistered = unregister(server, registered);
            if (notUnregistered != null && notUnregistered != e) {
                e.addSuppressed(notUnregistered); // the registration's failure stays what is thrown
            }
            throw e;
        }
        return new JmxMetrics(server, registered);
    }

    /** The object name of the engine-wide MBean of the engine called {@code name}. */
    public static ObjectName engineName(String name) {
        return objectName(DOMAIN + ":type=Engine,name=" + name);
    }

    /** The object name of the MBean of shard {@code shard} of the engine called {@code name}. */
    public static ObjectName shardName(String name, int shard) {
        return objectName(DOMAIN + ":type=Engine,name=" + name + ",shard=" + shard);
    }

    /** The MBeans this registration holds, the engine's first. */
    public List<ObjectName> names() {
        return names;
    }

    /**
     * Unregisters the MBeans (those still registered); idempotent. Every one is tried, whatever the server throws
     * for another: so one it fails to unregister (a {@link javax.management.MBeanRegistrationException}, an
     * {@link Error}) leaves no other name taken.
     *
     * @throws IllegalStateException when the server failed to unregister one (naming it; an {@link Error} or
     *                               {@link RuntimeException} the server threw is thrown as it is): the first failure,
     *                               those after it suppressed in it. The registration is closed all the same
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Throwable failure = unregister(server, names);
            if (failure instanceof Error e) {
                throw e;
            }
            if (failure != null) {
                throw (RuntimeException) failure;
            }
        }
    }

    private static ObjectName register(MBeanServer server, Object bean, ObjectName name) {
        try {
            server.registerMBean(bean, name);
            return name;
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalStateException(name + " is registered already: another engine of this JVM uses the name, "
                    + "or this engine was registered twice; give each engine a name of its own", e);
        } catch (JMException e) {
            throw new IllegalStateException("registering " + name + " failed: " + why(e), e);
        }
    }

    /**
     * Unregisters each of {@code names}, every one whatever the server throws for another (an {@link Error} too).
     *
     * @return the first failure, with those after it suppressed in it; {@code null} when there was none
     */
    private static Throwable unregister(MBeanServer server, List<ObjectName> names) {
        Throwable failure = null;
        for (ObjectName name : names) {
            Throwable failed;
            try {
                server.unregisterMBean(name);
                continue;
            } catch (InstanceNotFoundException alreadyGone) {
                continue; // unregistered by someone else: what close wants
            } catch (JMException e) {
                failed = new IllegalStateException("unregistering " + name + " failed: " + why(e), e);
            } catch (RuntimeException | Error e) {
                failed = e;
            }
            if (failure == null) {
                failure = failed;
            } else if (failed != failure) {
                failure.addSuppressed(failed);
            }
        }
        return failure;
    }

    /** What {@code e} says went wrong: its message, or the exception it wraps (an MBean's own, that has none). */
    private static String why(JMException e) {
        return e.getMessage() != null ? e.getMessage() : String.valueOf(e.getCause() != null ? e.getCause() : e);
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("not a JMX object name: " + name, e);
        }
    }

    private static Map<String, Long> byName(Map<RejectionReason, Long> byReason) {
        Map<String, Long> byName = new LinkedHashMap<>();
        byReason.forEach((reason, count) -> byName.put(reason.name(), count));
        return byName;
    }

    private record EngineBean(EngineMetrics metrics) implements EngineMetricsMXBean {
        @Override
        public int getShards() {
            return metrics.shards();
        }

        @Override
        public Map<String, Long> getRejectedUnsequencedByReason() {
            return byName(metrics.rejectedUnsequencedByReason());
        }

        @Override
        public long getCallbackFailures() {
            return metrics.callbackFailures();
        }
    }

    private record ShardBean(ShardMetrics metrics) implements ShardMetricsMXBean {
        @Override
        public int getShard() {
            return metrics.shard();
        }

        @Override
        public String getHealth() {
            return metrics.health().name();
        }

        @Override
        public String getFailureMessage() {
            return metrics.failureMessage().orElse("");
        }

        @Override
        public long getCommandsSequenced() {
            return metrics.commandsSequenced();
        }

        @Override
        public long getCommandsAccepted() {
            return metrics.commandsAccepted();
        }

        @Override
        public long getCommandsRejected() {
            return metrics.commandsRejected();
        }

        @Override
        public Map<String, Long> getRejectedByReason() {
            return byName(metrics.rejectedByReason());
        }

        @Override
        public int getRingSize() {
            return metrics.ringSize();
        }

        @Override
        public long getRingRemainingCapacity() {
            return metrics.ringRemainingCapacity();
        }

        @Override
        public long getDecisionBacklog() {
            return metrics.lag(StageRole.DECIDE);
        }

        @Override
        public long getJournalLag() {
            return lag(StageRole.JOURNAL);
        }

        @Override
        public long getReplicationLag() {
            return lag(StageRole.REPLICATE);
        }

        @Override
        public long getSnapshotLag() {
            return lag(StageRole.APPLY);
        }

        @Override
        public long getCompletionLag() {
            return metrics.lag(StageRole.COMPLETE);
        }

        private long lag(StageRole stage) {
            return metrics.stages().contains(stage) ? metrics.lag(stage) : -1;
        }

        @Override
        public long getBatchCount() {
            return metrics.batchSizes().count();
        }

        @Override
        public long getBatchSizeP50() {
            return metrics.batchSizes().p50();
        }

        @Override
        public long getBatchSizeP99() {
            return metrics.batchSizes().p99();
        }

        @Override
        public long getBatchSizeMax() {
            return metrics.batchSizes().max();
        }

        @Override
        public long getJournalAppendCount() {
            return append(StageRole.JOURNAL).count();
        }

        @Override
        public long getJournalAppendP50Nanos() {
            return append(StageRole.JOURNAL).p50();
        }

        @Override
        public long getJournalAppendP99Nanos() {
            return append(StageRole.JOURNAL).p99();
        }

        @Override
        public long getJournalAppendP999Nanos() {
            return append(StageRole.JOURNAL).p999();
        }

        @Override
        public long getJournalAppendMaxNanos() {
            return append(StageRole.JOURNAL).max();
        }

        @Override
        public long getJournalSyncCount() {
            return sync(StageRole.JOURNAL).count();
        }

        @Override
        public long getJournalSyncP50Nanos() {
            return sync(StageRole.JOURNAL).p50();
        }

        @Override
        public long getJournalSyncP99Nanos() {
            return sync(StageRole.JOURNAL).p99();
        }

        @Override
        public long getJournalSyncP999Nanos() {
            return sync(StageRole.JOURNAL).p999();
        }

        @Override
        public long getJournalSyncMaxNanos() {
            return sync(StageRole.JOURNAL).max();
        }

        @Override
        public long getReplicationSyncCount() {
            return sync(StageRole.REPLICATE).count();
        }

        @Override
        public long getReplicationSyncP99Nanos() {
            return sync(StageRole.REPLICATE).p99();
        }

        @Override
        public long getReplicationSyncMaxNanos() {
            return sync(StageRole.REPLICATE).max();
        }

        private Percentiles append(StageRole stage) {
            return metrics.stages().contains(stage) ? metrics.appendLatency(stage) : Percentiles.EMPTY;
        }

        private Percentiles sync(StageRole stage) {
            return metrics.stages().contains(stage) ? metrics.syncLatency(stage) : Percentiles.EMPTY;
        }

        @Override
        public long getSnapshotsWritten() {
            return metrics.snapshotsWritten();
        }

        @Override
        public long getSnapshotsFailed() {
            return metrics.snapshotsFailed();
        }

        @Override
        public boolean isSnapshotsUnavailable() {
            return metrics.snapshotsUnavailable();
        }

        @Override
        public String getSnapshotsUnavailableReason() {
            return metrics.snapshotsUnavailableReason().orElse("");
        }

        @Override
        public long getSnapshotsSkipped() {
            return metrics.snapshotsSkipped();
        }

        @Override
        public long getSnapshotDurationP50Nanos() {
            return metrics.snapshotDuration().p50();
        }

        @Override
        public long getSnapshotDurationMaxNanos() {
            return metrics.snapshotDuration().max();
        }

        @Override
        public long getCallbackFailures() {
            return metrics.callbackFailures();
        }
    }
}
