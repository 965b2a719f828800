package dev.purestock.spring;

import dev.purestock.engine.HeapEstimate;
import dev.purestock.engine.ProducerMode;
import dev.purestock.engine.StoreCapacity;
import dev.purestock.journal.JournalLayout;
import dev.purestock.journal.JournaledEngine;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.validation.BeanPropertyBindingResult;
import org.springframework.validation.Errors;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * Values refused at startup: a shard count past the engine's bound names its property, and a customizer's setting
 * the engine refuses stops the application before the journal directory is created, and rings or state sized past
 * what the heap can hold are refused by name instead of running out of memory as the engine allocates them.
 */
class RefusedSettingsTest {
    @TempDir
    Path journal;

    @Test
    void tooManyShardsIsReportedWithThePropertysName() {
        runner(journal.resolve("j")).withPropertyValues("purestock.shards=70000")
                .run(context -> refusedByName(context).hasMessageContaining("purestock.shards"));
    }

    /**
     * A directory that holds another number of shards than purestock.shards says is refused naming the property and
     * the value to set: the journal's words told a Spring user to "start it with shards(2)", a builder call.
     */
    @Test
    void aShardCountTheDirectoryDoesNotHoldIsReportedWithThePropertyToSet() {
        JournalLayout.create(journal, 2);
        runner(journal).run(context -> refusedByName(context)
                .hasMessageContaining("purestock.shards")
                .hasMessageContaining("holds 2 shards")
                .hasMessageContaining("set purestock.shards=2"));
    }

    /**
     * A file where the journal directory should be, or where a directory above it should be, failed the start from deep
     * inside the journal's lock, a stack trace naming no property; it is refused by name, and the file is left as it
     * was.
     */
    @Test
    void aJournalDirectoryThatIsAFileIsRefusedByName() throws IOException {
        Path file = Files.writeString(journal.resolve("notes.txt"), "not a journal");
        for (Path directory : List.of(file, file.resolve("purestock"))) {
            runner(directory).run(context -> refusedByName(context)
                    .hasMessageContaining("purestock.journal.directory")
                    .hasMessageContaining("a file stands at " + file));
        }
        assertThat(file).hasContent("not a journal");
    }

    /** A directory this process may not write in is refused by name (as root, which may write anywhere, not run). */
    @Test
    void aJournalDirectoryThisProcessMayNotWriteIsRefusedByName() throws IOException {
        Path readOnly = Files.createDirectory(journal.resolve("read-only"));
        Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));
        assumeFalse(Files.isWritable(readOnly), "this process may write in a read-only directory (root)");
        for (Path directory : List.of(readOnly, readOnly.resolve("purestock"))) {
            runner(directory).run(context -> refusedByName(context)
                    .hasMessageContaining("purestock.journal.directory")
                    .hasMessageContaining("may not write in " + readOnly));
        }
    }

    /**
     * A replication {@code Primary} beside {@code purestock.shards=2}: the primary refused the engine from inside its
     * customizer, in words naming no property ("this engine is set to 2 shards"), and the start failed with a stack
     * trace instead of Spring Boot's failure analysis. It is refused by the property's name, with the value to set,
     * also where no customizer configures the engine with the primary (it could not replicate a sharded engine).
     */
    @Test
    void aReplicationPrimaryBesideSeveralShardsIsRefusedByThePropertysName() {
        for (Class<?> application : List.of(ReplicationHealthTest.PrimaryConfiguration.class,
                ReplicationHealthTest.PrimaryOnly.class)) {
            runner(journal.resolve("j")).withPropertyValues("purestock.shards=2").withUserConfiguration(application)
                    .run(context -> refusedByName(context)
                            .hasMessageContaining("purestock.shards").hasMessageContaining("'2'")
                            .hasMessageContaining("Primary").hasMessageContaining("set purestock.shards=1"));
        }
    }

    /**
     * {@code purestock.enabled} was read by {@code @ConditionalOnBooleanProperty}, which matches "true" only: a typo
     * ({@code maybe}), or a word Spring Boot binds as true elsewhere ({@code yes}, {@code on}, {@code 1}), turned the
     * engine, its health and its metrics off without a word. Every configuration of the starter now refuses such a
     * value by the property's name, with the values it takes; {@code true} and {@code false} in any case still work.
     */
    @Test
    void anEnabledValueThatIsNotTrueOrFalseIsRefusedByNameInsteadOfTurningTheEngineOff() {
        for (String value : List.of("maybe", "yes", "on", "1", "")) {
            for (Class<?> configuration : List.of(PurestockAutoConfiguration.class,
                    PurestockHealthAutoConfiguration.class, PurestockMetricsAutoConfiguration.class)) {
                new ApplicationContextRunner()
                        .withConfiguration(AutoConfigurations.of(configuration))
                        .withPropertyValues("purestock.journal.directory=" + journal.resolve("j"),
                                "purestock.expire-reservations-every=0", "purestock.enabled=" + value)
                        .run(context -> refusedByName(context, value + " to " + configuration.getSimpleName())
                                .hasMessageContaining("purestock.enabled").hasMessageContaining("'" + value + "'")
                                .hasMessageContaining("true or false"));
            }
        }
        runner(journal.resolve("j")).withPropertyValues("purestock.enabled=TRUE")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(JournaledEngine.class));
        runner().withPropertyValues("purestock.enabled=False")
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(JournaledEngine.class));
    }

    /**
     * The ways an application writes true or false reach the condition as true or false: the environment variable
     * ({@code PURESTOCK_ENABLED}), a value with spaces around it from a property source that keeps them, and YAML's
     * booleans ({@code off} and {@code on} are YAML 1.1 booleans, which the YAML loader reads as such).
     */
    @Test
    void everyWayOfWritingTrueOrFalseIsRead() throws IOException {
        List<PropertySource<?>> off = List.of(
                new SystemEnvironmentPropertySource("env", Map.of("PURESTOCK_ENABLED", "FALSE")),
                new MapPropertySource("spaced", Map.of("purestock.enabled", " false ")), yaml("enabled: off"),
                yaml("enabled: false"));
        List<PropertySource<?>> on = List.of(
                new SystemEnvironmentPropertySource("env", Map.of("PURESTOCK_ENABLED", "true")),
                new MapPropertySource("spaced", Map.of("purestock.enabled", " True ")), yaml("enabled: on"),
                yaml("enabled: true"));
        for (PropertySource<?> source : off) {
            runner().withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(source))
                    .run(context -> assertThat(context).as(source.getName()).hasNotFailed()
                            .doesNotHaveBean(JournaledEngine.class));
        }
        for (PropertySource<?> source : on) {
            runner(journal.resolve("on")).withInitializer(context -> context.getEnvironment().getPropertySources().addFirst(source))
                    .run(context -> assertThat(context).as(source.getName()).hasNotFailed()
                            .hasSingleBean(JournaledEngine.class));
        }
    }

    /** The starter's auto-configuration alone, with no property set. */
    private static ApplicationContextRunner runner() {
        return new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(PurestockAutoConfiguration.class));
    }

    /** The starter's auto-configuration journaling in {@code directory}, with no expiry sweeps. */
    private static ApplicationContextRunner runner(Path directory) {
        return runner().withPropertyValues("purestock.journal.directory=" + directory, "purestock.expire-reservations-every=0");
    }

    /** The start failed, its root cause a setting refused by its property's name: the assertion on that cause. */
    private static AbstractThrowableAssert<?, ? extends Throwable> refusedByName(AssertableApplicationContext context) {
        return refusedByName(context, "the start");
    }

    /** As {@link #refusedByName(AssertableApplicationContext)}, the start described as {@code what}. */
    private static AbstractThrowableAssert<?, ? extends Throwable> refusedByName(AssertableApplicationContext context,
                                                                                 String what) {
        assertThat(context).as(what).hasFailed();
        return assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(InvalidConfigurationPropertyValueException.class);
    }

    private static PropertySource<?> yaml(String enabled) throws IOException {
        ByteArrayResource file = new ByteArrayResource(("purestock:\n  " + enabled + "\n").getBytes(StandardCharsets.UTF_8));
        return new YamlPropertySourceLoader().load("yaml " + enabled, file).getFirst();
    }

    @Test
    void aCustomizerValueTheEngineRefusesStopsStartupBeforeTheJournalIsTouched() {
        Path untouched = journal.resolve("never-created");
        runner().withPropertyValues("purestock.journal.directory=" + untouched, "purestock.shards=2")
                .withBean(PurestockEngineCustomizer.class, () -> builder -> builder.producerMode(ProducerMode.SINGLE))
                .run(context -> assertThat(context).hasFailed());
        assertThat(untouched).doesNotExist();
    }

    @Test
    void aRingTooLargeForTheHeapIsRefusedByNameBeforeTheJournalIsTouched() {
        Path untouched = journal.resolve("never-created");
        runner(untouched).withPropertyValues("purestock.ring-size=1073741824")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isNotInstanceOf(OutOfMemoryError.class)
                            .hasMessageContaining("purestock.ring-size").hasMessageContaining("maximum heap");
                });
        assertThat(untouched).doesNotExist();
    }

    @Test
    void aStoreCapacityTooLargeForTheHeapIsRefusedByName() {
        runner(journal.resolve("j")).withPropertyValues("purestock.store-capacity.orders=2000000000")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).rootCause().isNotInstanceOf(OutOfMemoryError.class)
                            .hasMessageContaining("purestock.store-capacity.orders").hasMessageContaining("maximum heap");
                });
    }

    @Test
    void settingsThatFitOneShardButNotTheirShardCountAreRefusedAsTheShardCount() {
        PurestockProperties properties = new PurestockProperties();
        properties.getStoreCapacity().setPositions(1 << 20);
        long heap = 512L << 20;
        assertThat(errors(properties, heap).hasErrors()).as("one shard of a million positions fits 512 MiB").isFalse();

        properties.setShards(8);
        Errors errors = errors(properties, heap);

        assertThat(errors.getFieldError("shards")).isNotNull();
        assertThat(errors.getFieldError("shards").getDefaultMessage()).contains("8 shards").contains("512 MiB")
                .contains("purestock.store-capacity.positions");
    }

    /**
     * A backlog limit whose rooms, every shard's full at once, would take more than half the heap is refused by the
     * engine as it is built, in words naming its builder's setting; the starter refuses it first, by the property's
     * name, with the limit that fits.
     */
    @Test
    void aSnapshotBacklogLimitTooLargeForTheHeapIsRefusedByName() {
        long heap = 512L << 20;
        int fits = HeapEstimate.backlogLimitFitting(1, heap);
        PurestockProperties properties = new PurestockProperties();
        properties.getSnapshots().setBacklogLimit(fits);
        assertThat(errors(properties, heap).hasErrors()).isFalse();

        properties.getSnapshots().setBacklogLimit(4_194_304);
        Errors errors = errors(properties, heap);

        assertThat(errors.getFieldError("snapshots.backlogLimit")).isNotNull();
        assertThat(errors.getFieldError("snapshots.backlogLimit").getDefaultMessage())
                .contains("purestock.snapshots.backlog-limit").contains("512 MiB").contains("lower it to " + fits);
        properties.getSnapshots().setBacklogLimit(fits);
        properties.setShards(2);
        assertThat(errors(properties, heap).getFieldError("snapshots.backlogLimit")).as("every shard's room counts")
                .isNotNull();
    }

    @Test
    void theDefaultsFitASmallHeap() {
        assertThat(errors(new PurestockProperties(), 64L << 20).hasErrors()).isFalse();
    }

    /**
     * The starter once counted measured per-unit costs while the engine counts its tables' arrays, rounded up to
     * the powers of two and whole chunks it allocates: an order count just past a chunk (65,537 orders take two
     * 64 Ki-row chunks and a doubled index) counted about 16.9 MB in the engine and 15.1 MB in the starter, so a heap
     * between the two passed the starter and was refused by the engine, in words naming no property. The starter
     * now counts by the engine's {@link HeapEstimate}: wherever the engine refuses, so does the starter, first and
     * by name.
     */
    @Test
    void whateverTheEngineRefusesForTheHeapTheStarterRefusesFirstByName() {
        int[] figures = {1_024, 4_097, 8_193, 65_537, 131_073, 300_001};
        String[] names = {"purestock.ring-size", "purestock.store-capacity.positions", "purestock.store-capacity.orders",
            "purestock.store-capacity.customer-counts", "purestock.store-capacity.order-lines"};
        for (int shards : new int[] {1, 3}) {
            for (int figure : figures) {
                for (int part = 1; part < names.length; part++) {
                    PurestockProperties properties = new PurestockProperties();
                    properties.setShards(shards);
                    PurestockProperties.StoreCapacity capacity = properties.getStoreCapacity();
                    switch (part) {
                        case 1 -> capacity.setPositions(figure);
                        case 2 -> capacity.setOrders(figure);
                        case 3 -> capacity.setCustomerCounts(figure);
                        default -> capacity.setOrderLines(figure);
                    }
                    int orderLines = capacity.getOrderLines() == null ? capacity.getOrders() : capacity.getOrderLines();
                    HeapEstimate engine = HeapEstimate.of(shards, properties.getRingSize(), new StoreCapacity(
                            capacity.getPositions(), capacity.getOrders(), capacity.getCustomerCounts(), orderLines), 1);
                    long engineRefuses = engine.total() - 1;

                    Errors errors = errors(properties, engineRefuses);

                    String setting = shards + " shards, " + names[part] + "=" + figure;
                    assertThat(errors.hasErrors()).as(setting).isTrue();
                    assertThat(errors.getFieldError().getDefaultMessage()).as(setting).contains("maximum heap")
                            .containsAnyOf(names).contains("purestock.");
                }
            }
        }
        PurestockProperties orders = new PurestockProperties();
        orders.getStoreCapacity().setOrders(65_537);
        long engineCount = HeapEstimate.of(1, orders.getRingSize(), new StoreCapacity(1_024, 65_537, 1_024), 1).total();
        assertThat(errors(orders, engineCount - 1).getFieldError("storeCapacity.orders")).isNotNull();
        assertThat(errors(orders, engineCount - 1).getFieldError().getDefaultMessage())
                .contains("lower purestock.store-capacity.orders");
    }

    private static Errors errors(PurestockProperties properties, long maxHeap) {
        Errors errors = new BeanPropertyBindingResult(properties, "purestock");
        properties.validate(properties, errors, maxHeap);
        return errors;
    }
}
