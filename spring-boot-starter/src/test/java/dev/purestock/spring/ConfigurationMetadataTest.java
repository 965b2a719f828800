package dev.purestock.spring;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The configuration metadata an IDE reads is generated from {@link PurestockProperties}, defaults included. */
class ConfigurationMetadataTest {

    @Test
    void everyPropertyIsDescribedWithItsDefault() throws IOException {
        List<String> ours = Collections.list(getClass().getClassLoader()
                        .getResources("META-INF/spring-configuration-metadata.json")).stream()
                .map(ConfigurationMetadataTest::read)
                .filter(json -> json.contains("dev.purestock.spring.PurestockProperties"))
                .toList();

        assertThat(ours).singleElement().satisfies(json -> assertThat(json)
                .contains("\"name\": \"purestock.journal.directory\"")
                .contains("\"name\": \"purestock.journal.durability\"")
                .contains("\"name\": \"purestock.snapshots.every\"")
                .contains("\"name\": \"purestock.store-capacity.customer-counts\"")
                .contains("\"name\": \"purestock.store-capacity.order-lines\"")
                .contains("\"defaultValue\": \"page-cache\"")
                .contains("\"defaultValue\": \"24h\"")
                .contains("\"defaultValue\": \"blocking\"")
                .contains("\"defaultValue\": 1024"));
    }

    private static String read(URL url) {
        try (InputStream in = url.openStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
