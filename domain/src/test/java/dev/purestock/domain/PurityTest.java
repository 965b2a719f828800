package dev.purestock.domain;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The domain reads no clock, draws no random number, touches no file, socket or thread: checked on the
 * compiled classes, whose constant pools name every class and method they call.
 */
class PurityTest {
    /** Class or package names that may not appear anywhere in a domain class file. */
    private static final List<String> FORBIDDEN_NAMES = List.of(
            "java/time/", "java/util/Random", "java/util/SplittableRandom", "java/util/concurrent/",
            "java/security/SecureRandom", "java/io/File", "java/io/InputStream", "java/io/OutputStream",
            "java/io/Reader", "java/io/Writer", "java/nio/file/", "java/nio/channels/", "java/net/",
            "java/lang/Thread", "java/lang/Runtime", "java/lang/ProcessBuilder");
    /** A name that starts with a forbidden one and is allowed. */
    private static final String ALLOWED_EXCEPTION = "java/lang/RuntimeException";
    /** Member names whose exact constant-pool entry betrays a clock, randomness or environment read. */
    private static final List<String> FORBIDDEN_MEMBERS = List.of(
            "currentTimeMillis", "nanoTime", "random", "randomUUID", "getenv", "getProperty", "identityHashCode");

    @Test
    void noDomainClassReadsAClockDrawsARandomNumberOrTouchesFilesOrThreads() throws Exception {
        Path classes = Path.of(Inventory.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, List<String>> offences = new TreeMap<>();
        int scanned = 0;
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                scanned++;
                List<String> found = forbiddenApisIn(Files.readAllBytes(file));
                if (!found.isEmpty()) {
                    offences.put(classes.relativize(file).toString(), found);
                }
            }
        }
        assertTrue(scanned >= 20, "expected the domain's classes under " + classes + ", found " + scanned);
        assertEquals(Map.of(), offences, "the domain must stay pure");
    }

    @Test
    void theCheckFindsAClockARandomNumberAndAThreadWhereTheyAreUsed() throws IOException, URISyntaxException {
        try (InputStream in = ImpureExample.class.getResourceAsStream("PurityTest$ImpureExample.class")) {
            List<String> found = forbiddenApisIn(in.readAllBytes());
            assertEquals(List.of("java/util/Random", "java/lang/Thread", "java/lang/Runtime", "currentTimeMillis",
                    "nanoTime"), found);
        }
    }

    /** The forbidden names that {@code classFile} mentions, in the order of the lists above. */
    private static List<String> forbiddenApisIn(byte[] classFile) {
        // java/lang/Runtime is the environment; java/lang/RuntimeException, which the domain may catch, is not
        String text = new String(classFile, StandardCharsets.ISO_8859_1).replace(ALLOWED_EXCEPTION, "");
        List<String> found = new ArrayList<>();
        for (String name : FORBIDDEN_NAMES) {
            if (text.contains(name)) {
                found.add(name);
            }
        }
        for (String member : FORBIDDEN_MEMBERS) {
            if (text.contains(utf8Entry(member))) {
                found.add(member);
            }
        }
        return found;
    }

    /** A CONSTANT_Utf8 entry as it sits in a constant pool: tag 1, two length bytes, then the bytes. */
    private static String utf8Entry(String value) {
        return "\u0001" + (char) (value.length() >> 8) + (char) (value.length() & 0xFF) + value;
    }

    /** What the check must catch. */
    static final class ImpureExample {
        long stamp() {
            Thread.onSpinWait();
            return System.currentTimeMillis() + System.nanoTime() + new java.util.Random(1).nextLong();
        }

        int cores() {
            try {
                return Runtime.getRuntime().availableProcessors();
            } catch (RuntimeException e) {
                return 1;
            }
        }
    }
}
