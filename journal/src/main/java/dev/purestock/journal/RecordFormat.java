package dev.purestock.journal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.List;

/**
 * Formats journal records for people and tools: one line of text, or one line of JSON. Commands and
 * events are written by their record components, so a new type formats without changes here.
 */
public final class RecordFormat {
    private RecordFormat() {
    }

    /** One line: {@code seq=... time=... index=0x... command=... events=[...]}. */
    public static String text(long queueIndex, JournalRecord record) {
        return "seq=" + record.sequence() + " time=" + record.time() + " index=0x" + Long.toHexString(queueIndex)
                + " v=" + record.schemaVersion() + " command=" + record.command() + " events=" + record.events();
    }

    /** One JSON object on one line. */
    public static String json(long queueIndex, JournalRecord record) {
        StringBuilder out = new StringBuilder(256);
        out.append("{\"seq\":").append(record.sequence())
                .append(",\"time\":").append(record.time())
                .append(",\"index\":\"0x").append(Long.toHexString(queueIndex)).append('"')
                .append(",\"version\":").append(record.schemaVersion())
                .append(",\"command\":");
        value(out, record.command());
        out.append(",\"events\":");
        value(out, record.events());
        return out.append('}').toString();
    }

    private static void value(StringBuilder out, Object value) {
        switch (value) {
            case null -> out.append("null");
            case Number n -> out.append(n);
            case Boolean b -> out.append(b);
            case Enum<?> e -> out.append('"').append(e.name()).append('"');
            case List<?> list -> {
                out.append('[');
                for (int i = 0; i < list.size(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    value(out, list.get(i));
                }
                out.append(']');
            }
            case Record r -> record(out, r);
            default -> out.append('"').append(value.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
    }

    private static void record(StringBuilder out, Record r) {
        out.append("{\"type\":\"").append(r.getClass().getSimpleName()).append('"');
        for (RecordComponent component : r.getClass().getRecordComponents()) {
            out.append(",\"").append(component.getName()).append("\":");
            try {
                value(out, component.getAccessor().invoke(r));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + component.getName() + " of " + r, e);
            }
        }
        out.append('}');
    }
}
