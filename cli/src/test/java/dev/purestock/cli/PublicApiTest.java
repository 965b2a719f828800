package dev.purestock.cli;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.WaitStrategy;
import dev.purestock.domain.Inventory;
import dev.purestock.engine.PurestockEngine;
import dev.purestock.journal.JournaledEngine;
import dev.purestock.micrometer.PurestockMetrics;
import dev.purestock.replication.Primary;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public API of purestock's library modules (domain, engine, journal, cli) names no type of the libraries
 * it is built on (the Disruptor, Chronicle, Agrona, Aeron): an embedding service sees purestock's types and the JDK's
 * only, so those libraries can change or go without breaking it. Every class file under {@code dev/purestock/}
 * of each module is scanned, so a new class is covered without touching this test; a public or protected type,
 * and every public or protected member of it (methods it inherits included), with every type its signature
 * mentions (type arguments, wildcard and type-variable bounds, array components, superclass, interfaces,
 * record components, thrown exceptions), is checked. docs/api.md lists the surface this guards.
 */
class PublicApiTest {
    /** The packages no public signature may mention. */
    private static final List<String> FORBIDDEN = List.of("com.lmax.", "net.openhft.", "org.agrona.", "io.aeron.");
    /** One known class of each library module: where its classes are found. */
    private static final Map<String, Class<?>> MODULES = Map.of(
            "domain", Inventory.class,
            "engine", PurestockEngine.class,
            "journal", JournaledEngine.class,
            "cli", PurestockCli.class,
            "micrometer", PurestockMetrics.class,
            "replication", Primary.class);
    /** The page that lists the public API, from the cli module's directory (where the tests run). */
    private static final Path API_PAGE = Path.of("..", "docs", "api.md");

    @Test
    void noPublicSignatureOfALibraryModuleNamesAThirdPartyType() {
        List<String> leaks = new ArrayList<>();
        for (Map.Entry<String, Class<?>> module : MODULES.entrySet()) {
            List<Class<?>> classes = classesOf(module.getValue());
            assertTrue(classes.contains(module.getValue()), module.getKey() + ": the scan found " + classes.size()
                    + " classes but not " + module.getValue().getName() + "; it does not look where the classes are");
            for (Class<?> type : classes) {
                if (exported(type)) {
                    leaks.addAll(leaksOf(type));
                }
            }
        }
        assertEquals(List.of(), leaks, "public signatures name types of com.lmax, net.openhft or org.agrona; "
                + "wrap them in a purestock type or make the member package-private:\n" + String.join("\n", leaks));
    }

    @Test
    void theApiPageListsEveryPublicType() throws IOException {
        String page = Files.readString(API_PAGE);
        Set<String> unlisted = new TreeSet<>();
        for (Class<?> known : MODULES.values()) {
            for (Class<?> type : classesOf(known)) {
                String nested = type.getName().substring(type.getPackageName().length() + 1).replace('$', '.');
                // a nested type may be named from any enclosing type down: Command.Batch.Mode, Batch.Mode or Mode
                Stream<String> names = Stream.iterate(nested, name -> name.indexOf('.') >= 0,
                        name -> name.substring(name.indexOf('.') + 1));
                boolean listed = Stream.concat(names, Stream.of(type.getSimpleName())).anyMatch(name ->
                        page.contains("`" + name + "`") || page.contains("`" + name + ".")
                                || page.contains("`" + name + "("));
                if (exported(type) && !listed) {
                    unlisted.add(type.getName());
                }
            }
        }
        assertEquals(Set.of(), unlisted, "docs/api.md does not name these public types; add a line for each (in "
                + "backticks) in the same change that makes them public");
    }

    @Test
    void theScanFindsALeakWhereverASignatureHidesIt() {
        List<String> leaks = new ArrayList<>(leaksOf(Leaky.class));
        leaks.addAll(leaksOf(Leaky.Holder.class));
        for (String member : List.of("ring()", "strategies()", "wildcard(", "array()", "field", "Leaky(",
                "bounded", "superclass", "interface", "component")) {
            assertTrue(leaks.stream().anyMatch(leak -> leak.contains(member)), member + " not reported in " + leaks);
        }
        assertEquals(List.of(), leaksOf(Clean.class), "a class that hides its third-party types leaks none");
        assertTrue(exported(PurestockEngine.Builder.class) && !exported(Clean.class),
                "nested types count when they and every enclosing type are public or protected");
    }

    /** Every public or protected signature of {@code type} (an exported one) that names a forbidden type, one line each. */
    static List<String> leaksOf(Class<?> type) {
        List<String> leaks = new ArrayList<>();
        String name = type.getName();
        check(leaks, name + " superclass", type.getGenericSuperclass());
        for (Type implemented : type.getGenericInterfaces()) {
            check(leaks, name + " interface", implemented);
        }
        for (TypeVariable<?> variable : type.getTypeParameters()) {
            check(leaks, name + " type parameter " + variable.getName(), variable);
        }
        if (type.isRecord()) {
            for (RecordComponent component : type.getRecordComponents()) {
                check(leaks, name + " record component " + component.getName(), component.getGenericType());
            }
        }
        for (Field field : fields(type)) {
            check(leaks, name + " field " + field.getName(), field.getGenericType());
        }
        for (Executable executable : executables(type)) {
            String where = name + "." + (executable instanceof Constructor<?> ? type.getSimpleName()
                    : executable.getName()) + "(" + String.join(", ", Stream.of(executable.getParameterTypes())
                    .map(Class::getSimpleName).toList()) + ")";
            if (executable instanceof Method method) {
                check(leaks, where + " returns", method.getGenericReturnType());
            }
            for (Type parameter : executable.getGenericParameterTypes()) {
                check(leaks, where + " parameter", parameter);
            }
            for (Type thrown : executable.getGenericExceptionTypes()) {
                check(leaks, where + " throws", thrown);
            }
            for (TypeVariable<?> variable : executable.getTypeParameters()) {
                check(leaks, where + " type parameter " + variable.getName(), variable);
            }
        }
        return leaks;
    }

    /** Whether code outside purestock can name {@code type}: public or protected, and so is every enclosing type. */
    private static boolean exported(Class<?> type) {
        if (type.isAnonymousClass() || type.isLocalClass() || type.isSynthetic()) {
            return false;
        }
        for (Class<?> c = type; c != null; c = c.getDeclaringClass()) {
            int modifiers = c.getModifiers();
            if (!Modifier.isPublic(modifiers) && !Modifier.isProtected(modifiers)) {
                return false;
            }
        }
        return true;
    }

    private static boolean visible(Member member) {
        return !member.isSynthetic()
                && (Modifier.isPublic(member.getModifiers()) || Modifier.isProtected(member.getModifiers()));
    }

    /** The public and protected fields of {@code type}, its own and those it inherits. */
    private static List<Field> fields(Class<?> type) {
        Set<Field> fields = new LinkedHashSet<>(List.of(type.getFields()));
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            Stream.of(c.getDeclaredFields()).filter(PublicApiTest::visible).forEach(fields::add);
        }
        return List.copyOf(fields);
    }

    /** The public and protected methods and constructors of {@code type}, inherited methods included. */
    private static List<Executable> executables(Class<?> type) {
        Set<Executable> executables = new LinkedHashSet<>();
        Stream.of(type.getMethods()).filter(m -> !m.isBridge() && !m.isSynthetic()).forEach(executables::add);
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            Stream.of(c.getDeclaredMethods()).filter(m -> visible(m) && !m.isBridge()).forEach(executables::add);
        }
        Stream.of(type.getDeclaredConstructors()).filter(PublicApiTest::visible).forEach(executables::add);
        return List.copyOf(executables);
    }

    private static void check(List<String> leaks, String where, Type type) {
        Set<String> forbidden = new LinkedHashSet<>();
        collectForbidden(type, forbidden, Collections.newSetFromMap(new IdentityHashMap<>()));
        for (String name : forbidden) {
            leaks.add(where + ": " + name);
        }
    }

    /** Walks every class a type mentions; {@code seen} stops recursive bounds ({@code T extends Comparable<T>}). */
    private static void collectForbidden(Type type, Set<String> forbidden, Set<Type> seen) {
        if (type == null || !seen.add(type)) {
            return;
        }
        switch (type) {
            case Class<?> c -> {
                Class<?> element = c;
                while (element.isArray()) {
                    element = element.getComponentType();
                }
                String name = element.getName();
                if (FORBIDDEN.stream().anyMatch(name::startsWith)) {
                    forbidden.add(name);
                }
            }
            case ParameterizedType parameterized -> {
                collectForbidden(parameterized.getRawType(), forbidden, seen);
                collectForbidden(parameterized.getOwnerType(), forbidden, seen);
                for (Type argument : parameterized.getActualTypeArguments()) {
                    collectForbidden(argument, forbidden, seen);
                }
            }
            case WildcardType wildcard -> {
                Stream.of(wildcard.getUpperBounds()).forEach(bound -> collectForbidden(bound, forbidden, seen));
                Stream.of(wildcard.getLowerBounds()).forEach(bound -> collectForbidden(bound, forbidden, seen));
            }
            case TypeVariable<?> variable ->
                    Stream.of(variable.getBounds()).forEach(bound -> collectForbidden(bound, forbidden, seen));
            case GenericArrayType array -> collectForbidden(array.getGenericComponentType(), forbidden, seen);
            default -> throw new AssertionError("a kind of type the scan does not know: " + type.getClass());
        }
    }

    /**
     * Every class under {@code dev/purestock/} where {@code known} was loaded from: a classes directory (a build
     * that stops before packaging) or a jar (a reactor build past {@code package}).
     */
    static List<Class<?>> classesOf(Class<?> known) {
        Path location;
        try {
            location = Path.of(known.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> names = Files.isDirectory(location) ? namesInDirectory(location) : namesInJar(location);
        List<Class<?>> classes = new ArrayList<>(names.size());
        for (String name : names) {
            classes.add(load(name, known.getClassLoader()));
        }
        return classes;
    }

    private static List<String> namesInDirectory(Path root) {
        Path base = root.resolve("dev/purestock");
        try (Stream<Path> files = Files.walk(base)) {
            return files.filter(file -> file.toString().endsWith(".class"))
                    .map(file -> className(root.relativize(file).toString().replace(java.io.File.separatorChar, '/')))
                    .filter(PublicApiTest::isClass)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> namesInJar(Path jar) {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(entry -> entry.getName())
                    .filter(entry -> entry.startsWith("dev/purestock/") && entry.endsWith(".class"))
                    .map(PublicApiTest::className)
                    .filter(PublicApiTest::isClass)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String className(String path) {
        return path.substring(0, path.length() - ".class".length()).replace('/', '.');
    }

    private static boolean isClass(String name) {
        return !name.endsWith("package-info") && !name.endsWith("module-info");
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("listed but not loadable: " + name, e);
        }
    }

    /** A class that leaks through every kind of signature the scan must see. */
    @SuppressWarnings("unused")
    public static class Leaky extends java.util.ArrayList<RingBuffer<?>> implements Supplier<WaitStrategy[]> {
        public RingBuffer<Object> field;

        public Leaky(WaitStrategy strategy) {
        }

        public RingBuffer<?> ring() {
            return null;
        }

        public List<? extends WaitStrategy> strategies() {
            return List.of();
        }

        public void wildcard(Map<String, ? super WaitStrategy> sink) {
        }

        public RingBuffer<?>[] array() {
            return null;
        }

        public <T extends WaitStrategy> T bounded() {
            return null;
        }

        @Override
        public WaitStrategy[] get() {
            return null;
        }

        /** A record whose component is a third-party type. */
        public record Holder(WaitStrategy component) {
        }
    }

    /** Uses third-party types, but only where no caller sees them. */
    @SuppressWarnings("unused")
    public static class Clean {
        private RingBuffer<Object> ring;

        Clean(WaitStrategy strategy) {
        }

        public List<String> names() {
            return List.of();
        }

        WaitStrategy strategy() {
            return null;
        }

        private static final class Hidden {
            public RingBuffer<Object> ring;
        }
    }
}
