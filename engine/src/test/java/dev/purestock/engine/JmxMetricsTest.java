package dev.purestock.engine;

import dev.purestock.domain.Reason;
import org.junit.jupiter.api.Test;

import javax.management.MBeanRegistrationException;
import javax.management.MBeanServer;
import javax.management.MBeanServerFactory;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import java.lang.management.ManagementFactory;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

import static dev.purestock.engine.EngineFixtures.list;
import static dev.purestock.engine.EngineFixtures.purchase;
import static dev.purestock.engine.EngineFixtures.receive;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The engine's MBeans on the platform MBean server, read by object name as a JMX client reads them. */
class JmxMetricsTest {
    private static final MBeanServer SERVER = ManagementFactory.getPlatformMBeanServer();

    @Test
    void eachShardIsAnMBeanWhoseAttributesAreTheShardsMetrics() throws Exception {
        InMemoryJournal journal = new InMemoryJournal();
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).journal(shard -> journal).build();
             JmxMetrics jmx = JmxMetrics.register(engine, "jmx-test")) {
            engine.submit(list(1)).join();
            engine.submit(receive(1, 1, 0, 1)).join();
            engine.submit(purchase(1, 1, 0)).join();
            engine.submit(purchase(2, 1, 0)).join();

            ObjectName shard0 = new ObjectName("dev.purestock:type=Engine,name=jmx-test,shard=0");
            assertEquals(List.of(new ObjectName("dev.purestock:type=Engine,name=jmx-test"), shard0,
                    new ObjectName("dev.purestock:type=Engine,name=jmx-test,shard=1")), jmx.names());
            assertEquals(0, SERVER.getAttribute(shard0, "Shard"));
            assertEquals("RUNNING", SERVER.getAttribute(shard0, "Health"));
            assertEquals("", SERVER.getAttribute(shard0, "FailureMessage"));
            assertEquals(4L, SERVER.getAttribute(shard0, "CommandsSequenced"));
            assertEquals(3L, SERVER.getAttribute(shard0, "CommandsAccepted"));
            assertEquals(1L, SERVER.getAttribute(shard0, "CommandsRejected"));
            assertEquals(Map.of(Reason.OUT_OF_STOCK.name(), 1L),
                    map((TabularData) SERVER.getAttribute(shard0, "RejectedByReason")));
            assertEquals(1024, SERVER.getAttribute(shard0, "RingSize"));
            assertEquals(-1L, SERVER.getAttribute(shard0, "SnapshotLag"), "no snapshot stage");
            assertEquals(-1L, SERVER.getAttribute(shard0, "ReplicationLag"), "no replication stage");
            long timed = (Long) SERVER.getAttribute(shard0, "JournalAppendCount")
                    + (Long) SERVER.getAttribute(shard0, "JournalSyncCount");
            assertEquals(4L, timed, "every journaled command timed once");
            assertTrue((Long) SERVER.getAttribute(shard0, "JournalSyncMaxNanos") > 0);
            assertEquals(1L, SERVER.getAttribute(new ObjectName("dev.purestock:type=Engine,name=jmx-test,shard=1"),
                    "CommandsSequenced"), "the listing reaches every shard");
            assertEquals(2, SERVER.getAttribute(jmx.names().get(0), "Shards"));
            assertEquals(0L, SERVER.getAttribute(jmx.names().get(0), "CallbackFailures"));

            jmx.close();
            assertFalse(SERVER.isRegistered(shard0), "closing the registration unregisters the MBeans");
            assertFalse(SERVER.isRegistered(jmx.names().get(0)));
        }
    }

    @Test
    void twoEnginesOfOneJvmNeedNamesOfTheirOwn() {
        try (PurestockEngine first = PurestockEngine.builder().build();
             PurestockEngine second = PurestockEngine.builder().build();
             JmxMetrics registered = JmxMetrics.register(first, "orders")) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> JmxMetrics.register(second, "orders"));
            assertTrue(e.getMessage().contains("give each engine a name of its own"), e.getMessage());
            try (JmxMetrics other = JmxMetrics.register(second, "payments")) {
                assertTrue(SERVER.isRegistered(JmxMetrics.shardName("payments", 0)));
                assertTrue(SERVER.isRegistered(JmxMetrics.shardName("orders", 0)), "the first engine's stay");
            }
            assertThrows(IllegalArgumentException.class, () -> JmxMetrics.register(second, "has space"));
        }
    }

    /**
     * A registration that fails part way unregisters what it registered, so that the name can be registered again;
     * a server that threw an {@link Error} (an {@link InternalError}, or memory running out as it introspects a bean)
     * skipped that, caught for exceptions only, and the engine's MBean stayed registered with no registration to
     * close it: every later registration under the name was refused as registered already.
     */
    @Test
    void aRegistrationThatFailsWithAnErrorPartWayLeavesNothingRegistered() {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        InternalError failure = new InternalError("introspecting the shard's MBean failed");
        AtomicInteger registrations = new AtomicInteger();
        MBeanServer failsOnTheSecond = failing(server, (method, args) ->
                method.equals("registerMBean") && registrations.incrementAndGet() == 2 ? failure : null);
        try (PurestockEngine engine = PurestockEngine.builder().build()) {
            assertSame(failure, assertThrows(InternalError.class,
                    () -> JmxMetrics.register(engine.metrics(), "orders", failsOnTheSecond)));
            assertFalse(server.isRegistered(JmxMetrics.engineName("orders")), "the engine's MBean was unregistered");
            try (JmxMetrics again = JmxMetrics.register(engine.metrics(), "orders", server)) {
                assertTrue(server.isRegistered(JmxMetrics.shardName("orders", 0)), "the name can be registered again");
            }
        }
    }

    /**
     * A server that fails to unregister one MBean (a {@link javax.management.MBeanRegistrationException}, or an
     * {@link Error}) fails the close, yet every other MBean is unregistered: close tried the names in turn and stopped
     * at the first failure, and had marked itself closed first, so the MBeans after it stayed registered for good and
     * their names could not be registered again.
     */
    @Test
    void aCloseThatFailsToUnregisterOneMBeanUnregistersTheOthersAndThrowsTheFirstFailure() {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        InternalError error = new InternalError("the server broke unregistering shard 1");
        MBeanServer failing = failingToUnregister(server, Map.of(
                JmxMetrics.engineName("orders"), new MBeanRegistrationException(new Exception("preDeregister refused")),
                JmxMetrics.shardName("orders", 1), error));
        try (PurestockEngine engine = PurestockEngine.builder().shards(3).build()) {
            JmxMetrics jmx = JmxMetrics.register(engine.metrics(), "orders", failing);
            IllegalStateException thrown = assertThrows(IllegalStateException.class, jmx::close);
            assertEquals("unregistering dev.purestock:type=Engine,name=orders failed: java.lang.Exception: preDeregister refused",
                    thrown.getMessage());
            assertEquals(List.of(error), List.of(thrown.getSuppressed()), "the second failure, suppressed in the first");
            assertFalse(server.isRegistered(JmxMetrics.shardName("orders", 0)), "unregistered after the failure");
            assertFalse(server.isRegistered(JmxMetrics.shardName("orders", 2)), "unregistered after both failures");
            assertTrue(server.isRegistered(JmxMetrics.engineName("orders")), "the server refused these two");
            assertTrue(server.isRegistered(JmxMetrics.shardName("orders", 1)));
            jmx.close(); // closed already: nothing more is tried
        }
    }

    /**
     * A registration that fails part way, and then fails to unregister one of the MBeans it had registered, throws
     * its own failure with that one suppressed, and unregisters the others: the unregistering failure replaced the
     * registration's, and the MBeans after it stayed registered.
     */
    @Test
    void aRegistrationThatFailsPartWayThrowsItsFailureAndUnregistersWhatItCanWhenUnregisteringFails() {
        MBeanServer server = MBeanServerFactory.newMBeanServer();
        InternalError failure = new InternalError("introspecting shard 1's MBean failed");
        AtomicInteger registrations = new AtomicInteger();
        MBeanServer unregistering = failingToUnregister(server, Map.of(JmxMetrics.engineName("orders"),
                new MBeanRegistrationException(new Exception("preDeregister refused"))));
        MBeanServer failsOnTheThird = failing(unregistering, (method, args) ->
                method.equals("registerMBean") && registrations.incrementAndGet() == 3 ? failure : null);
        try (PurestockEngine engine = PurestockEngine.builder().shards(2).build()) {
            assertSame(failure, assertThrows(InternalError.class,
                    () -> JmxMetrics.register(engine.metrics(), "orders", failsOnTheThird)));
            assertEquals(1, failure.getSuppressed().length);
            assertEquals("unregistering dev.purestock:type=Engine,name=orders failed: java.lang.Exception: preDeregister refused",
                    failure.getSuppressed()[0].getMessage());
            assertFalse(server.isRegistered(JmxMetrics.shardName("orders", 0)), "unregistered after the failure");
        }
    }

    /** {@code server}, whose {@code unregisterMBean} throws what {@code failures} holds for a name instead. */
    private static MBeanServer failingToUnregister(MBeanServer server, Map<ObjectName, Throwable> failures) {
        return failing(server, (method, args) -> method.equals("unregisterMBean") ? failures.get(args[0]) : null);
    }

    /**
     * {@code server}, whose methods throw what {@code failure} returns for the method's name and arguments instead of
     * running, where that is not {@code null}.
     */
    private static MBeanServer failing(MBeanServer server, BiFunction<String, Object[], Throwable> failure) {
        return (MBeanServer) Proxy.newProxyInstance(MBeanServer.class.getClassLoader(),
                new Class<?>[] {MBeanServer.class}, (proxy, method, args) -> {
                    Throwable thrown = failure.apply(method.getName(), args);
                    if (thrown != null) {
                        throw thrown;
                    }
                    try {
                        return method.invoke(server, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static Map<String, Long> map(TabularData table) {
        Map<String, Long> map = new HashMap<>();
        for (Object row : table.values()) {
            CompositeData entry = (CompositeData) row;
            map.put((String) entry.get("key"), (Long) entry.get("value"));
        }
        return map;
    }
}
