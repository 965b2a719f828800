package dev.purestock.journal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.RecordComponent;
import java.util.ArrayDeque;
import java.util.List;

/**
 * Formats journal records for people and tools: one line of text, or one line of JSON. Commands and
 * events are written by their record components, so a new type formats without changes here. The text
 * form of a command or event reads as its record's {@code toString}.
 *
 * <p>Formatting keeps its own stack of what is left to write instead of recursing, so a record whose batches
 * nest thousands deep (older journals may hold one) formats like any other; a record's own {@code toString}
 * recurses and would overflow the Java stack on it.
 */
public final class RecordFormat {
    private RecordFormat() {
    }

    /** One line: {@code seq=... time=... index=0x... v=... epoch=... command=... events=[...]}. */
    public static String text(long queueIndex, JournalRecord record) {
        StringBuilder out = new StringBuilder(256);
        out.append("seq=").append(record.sequence())
                .append(" time=").append(record.time())
                .append(" index=0x").append(Long.toHexString(queueIndex))
                .append(" v=").append(record.schemaVersion())
                .append(" epoch=").append(record.epoch())
                .append(" command=");
        write(out, record.command(), Style.TEXT);
        out.append(" events=");
        write(out, record.events(), Style.TEXT);
        return out.toString();
    }

    /** One JSON object on one line. */
    public static String json(long queueIndex, JournalRecord record) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"seq\":").append(record.sequence())
                .append(",\"time\":").append(record.time())
                .append(",\"index\":\"0x").append(Long.toHexString(queueIndex)).append('"')
                .append(",\"version\":").append(record.schemaVersion())
                .append(",\"epoch\":").append(record.epoch())
                .append(",\"command\":");
        write(out, record.command(), Style.JSON);
        out.append(",\"events\":");
        write(out, record.events(), Style.JSON);
        return out.append('}').toString();
    }

    /**
     * One command, event or list of them as JSON, exactly as {@link #json(long, JournalRecord)} writes the
     * {@code command} and {@code events} of a record: a record as an object whose {@code "type"} is its simple
     * name followed by its components in order, an enum constant as its name.
     *
     * @param value a command, an event, a list of them, or {@code null}
     */
    public static String json(Object value) {
        StringBuilder out = new StringBuilder(128);
        write(out, value, Style.JSON);
        return out.toString();
    }

    /** How records, lists and plain values are spelled. */
    private enum Style {
        TEXT, JSON
    }

    /** Text to append as it is, queued among the values still to format. */
    private record Literal(String text) {
    }

    private static final Literal NULL = new Literal("null");

    /** Appends {@code root} with a work stack of literals and values: nesting never grows the Java stack. */
    private static void write(StringBuilder out, Object root, Style style) {
        ArrayDeque<Object> pending = new ArrayDeque<>();
        pending.push(orNull(root));
        while (!pending.isEmpty()) {
            Object item = pending.pop();
            switch (item) {
                case Literal literal -> out.append(literal.text());
                case List<?> list -> {
                    out.append('[');
                    pending.push(new Literal("]"));
                    for (int i = list.size() - 1; i >= 0; i--) {
                        pending.push(orNull(list.get(i)));
                        if (i > 0) {
                            pending.push(new Literal(style == Style.JSON ? "," : ", "));
                        }
                    }
                }
                case Record value -> {
                    Component[] components = COMPONENTS.get(value.getClass());
                    String type = value.getClass().getSimpleName();
                    out.append(style == Style.JSON ? "{\"type\":\"" + type + "\"" : type + "[");
                    pending.push(new Literal(style == Style.JSON ? "}" : "]"));
                    for (int i = components.length - 1; i >= 0; i--) {
                        pending.push(orNull(components[i].of(value)));
                        String name = components[i].name();
                        pending.push(new Literal(style == Style.JSON ? ",\"" + name + "\":"
                                : (i > 0 ? ", " : "") + name + "="));
                    }
                }
                case Number number -> out.append(number);
                case Boolean bool -> out.append(bool);
                case Enum<?> constant ->
                        out.append(style == Style.JSON ? "\"" + constant.name() + "\"" : constant.name());
                default -> out.append(style == Style.JSON
                        ? "\"" + item.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\""
                        : item.toString());
            }
        }
    }

    private static Object orNull(Object value) {
        return value == null ? NULL : value;
    }

    /** A record component's name and accessor. */
    private record Component(String name, MethodHandle accessor) {
        Object of(Record value) {
            try {
                return accessor.invoke(value);
            } catch (Throwable e) {
                throw new IllegalStateException("cannot read " + name + " of a " + value.getClass().getSimpleName(), e);
            }
        }
    }

    /** Each record type's components, looked up once: reflection is slow to ask, once per value. */
    private static final ClassValue<Component[]> COMPONENTS = new ClassValue<>() {
        @Override
        protected Component[] computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Component[] found = new Component[components.length];
            for (int i = 0; i < components.length; i++) {
                try {
                    found[i] = new Component(components[i].getName(),
                            MethodHandles.publicLookup().unreflect(components[i].getAccessor()));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("cannot read " + components[i].getName() + " of a "
                            + type.getSimpleName(), e);
                }
            }
            return found;
        }
    };
}
