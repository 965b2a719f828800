package dev.purestock.cli;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.purestock.domain.Command;
import dev.purestock.domain.Line;
import dev.purestock.journal.RecordFormat;

import java.io.IOException;
import java.io.StringReader;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON of a command, one codec for {@code dump --json} and {@code submit}, so that their schemas cannot drift.
 * Writing is {@link RecordFormat#json(Object)}, the very code that writes a journal record's {@code command} in
 * {@code dump --json}: an object whose {@code "type"} is the command's simple name, followed by its record
 * components by name ({@code {"type":"Purchase","orderId":7,"customer":3,"sku":1,"warehouse":1,"quantity":2}}),
 * a flag as {@code true} or {@code false},
 * a line as {@code {"type":"Line","sku":..,"warehouse":..,"quantity":..}}, a batch's mode as its name and its
 * members as an array.
 *
 * <p>Reading is strict: a line is one JSON object, either a command or a whole {@code dump --json} record (its
 * {@code "command"} is read, its other fields ignored), no object in it names a field twice, and a command's
 * fields are exactly its record's components, each a whole number in range (a flag {@code true} or
 * {@code false}) or, for a batch, its mode's name and an array of commands, for a hold
 * ({@code {"type":"Hold","holdId":..,"at":..,"command":{...}}}) the command it holds, itself no hold at any depth
 * (holds do not nest). Only a field a command gained later may be
 * left out, and reads as lines written before it meant ({@code ListProduct}'s {@code countsCustomers}: {@code
 * true}); a {@code "type"} that is not a command, any other missing field, an unknown field, a wrong kind of
 * value, a field named twice in one object, a hold inside a held command and an id out of range (the command's
 * own refusal) are each an
 * {@link IllegalArgumentException} saying what is wrong. The commands are
 * read by their record components, as {@link RecordFormat} writes them, so a new command type reads without
 * changes here. A line nests at most as deep as Gson's default nesting limit (255 arrays and objects).
 */
final class CommandJson {
    /** The fields of a {@code dump --json} record line besides {@code "command"}. */
    private static final Set<String> RECORD_FIELDS = Set.of("shard", "seq", "time", "index", "version", "epoch",
            "events");
    private static final TypeAdapter<JsonElement> TREE = new Gson().getAdapter(JsonElement.class);
    private static final String TYPE = "type";
    private static final Map<String, Class<?>> COMMANDS = commandTypes();
    /**
     * Fields a command gained after lines without them were written (by {@code dump --json} of an older purestock,
     * or by hand), with the value such a line means: a listing from before the choice counts its customers.
     */
    private static final Map<Class<?>, Map<String, Object>> ADDED_FIELDS =
            Map.of(Command.ListProduct.class, Map.of("countsCustomers", true));
    /** Each record type's components and canonical constructor, looked up once: reflection is slow to ask. */
    private static final ClassValue<Shape> SHAPES = new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
            RecordComponent[] components = type.getRecordComponents();
            Class<?>[] types = new Class<?>[components.length];
            for (int i = 0; i < components.length; i++) {
                types[i] = components[i].getType();
            }
            try {
                return new Shape(components, MethodHandles.publicLookup().unreflectConstructor(
                        type.getDeclaredConstructor(types)).asSpreader(Object[].class, types.length));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                throw new IllegalStateException("a record without its canonical constructor: " + type, e);
            }
        }
    };

    private CommandJson() {
    }

    /** {@code command} as one line of JSON, exactly as {@code dump --json} writes a record's command. */
    static String write(Command command) {
        return RecordFormat.json(command);
    }

    /**
     * Refuses a line, already read as JSON, in which one object names a field twice: Gson's tree keeps the last
     * value and drops the other without a word, and a strict reader may not guess which was meant.
     */
    private static void refuseRepeatedFields(String line) {
        JsonReader reader = new JsonReader(new StringReader(line));
        Deque<Set<String>> objects = new ArrayDeque<>();
        try {
            while (true) {
                switch (reader.peek()) {
                    case BEGIN_OBJECT -> {
                        reader.beginObject();
                        objects.push(new HashSet<>());
                    }
                    case END_OBJECT -> {
                        reader.endObject();
                        objects.pop();
                    }
                    case BEGIN_ARRAY -> reader.beginArray();
                    case END_ARRAY -> reader.endArray();
                    case NAME -> {
                        String name = reader.nextName();
                        if (!objects.element().add(name)) {
                            throw new IllegalArgumentException("field \"" + name + "\" appears twice in one object (at "
                                    + reader.getPath() + ")");
                        }
                    }
                    case END_DOCUMENT -> {
                        return;
                    }
                    default -> reader.skipValue();
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + gsonMessage(e), e);
        }
    }

    /**
     * Reads one line: a command, or a {@code dump --json} record whose command is taken.
     *
     * @throws IllegalArgumentException when the line is not JSON, or not a command as {@link #write} writes one
     */
    static Command parse(String line) {
        JsonElement root;
        try {
            JsonReader reader = new JsonReader(new StringReader(line));
            reader.setStrictness(Strictness.STRICT);
            root = TREE.read(reader);
            boolean more;
            try {
                more = reader.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException | JsonParseException | IllegalStateException e) {
                more = true;
            }
            if (more) {
                throw new IllegalArgumentException("not one JSON value: more follows the first");
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("not JSON: " + gsonMessage(e), e);
        }
        refuseRepeatedFields(line);
        if (!(root instanceof JsonObject object)) {
            throw new IllegalArgumentException("expected a JSON object (a command or a dump --json record), got "
                    + describe(root));
        }
        if (!object.has(TYPE) && object.has("command")) {
            return record(object);
        }
        if (!object.has(TYPE) && object.has("corrupt")) {
            throw new IllegalArgumentException("a corrupt record (it fails its checksum) holds no command");
        }
        return (Command) read(object, Command.class, "command", false);
    }

    /** The command of a {@code dump --json} record line. */
    private static Command record(JsonObject record) {
        for (String name : record.keySet()) {
            if (!name.equals("command") && !RECORD_FIELDS.contains(name)) {
                throw new IllegalArgumentException("unknown field \"" + name + "\" in a record (expected "
                        + "\"command\", and from dump --json " + RECORD_FIELDS + ")");
            }
        }
        JsonElement command = record.get("command");
        if (!(command instanceof JsonObject object)) {
            throw new IllegalArgumentException("the record's \"command\" must be a command object, got "
                    + describe(command));
        }
        return (Command) read(object, Command.class, "command", false);
    }

    /**
     * Reads a record of {@code expected} (a command or a line) from {@code object}, naming it {@code where};
     * {@code held}: it is inside a hold's command, where no hold may be.
     */
    private static Record read(JsonObject object, Class<?> expected, String where, boolean held) {
        Class<?> type = typeOf(object, expected, where);
        if (held && type == Command.Hold.class) {
            throw new IllegalArgumentException(where + " is a Hold inside a held command; holds do not nest: hold "
                    + "the command itself");
        }
        Shape shape = SHAPES.get(type);
        RecordComponent[] components = shape.components();
        Map<String, JsonElement> fields = new LinkedHashMap<>();
        object.entrySet().forEach(entry -> fields.put(entry.getKey(), entry.getValue()));
        fields.remove(TYPE);
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            String name = components[i].getName();
            Object added = ADDED_FIELDS.getOrDefault(type, Map.of()).get(name);
            if (!fields.containsKey(name) && added != null) {
                values[i] = added;
                continue;
            }
            if (!fields.containsKey(name)) {
                throw new IllegalArgumentException(where + " (" + type.getSimpleName() + ") lacks field \"" + name
                        + "\"; " + type.getSimpleName() + " has " + names(components));
            }
            values[i] = value(fields.remove(name), components[i], where + "." + name,
                    held || type == Command.Hold.class);
        }
        if (!fields.isEmpty()) {
            throw new IllegalArgumentException(where + " (" + type.getSimpleName() + ") has unknown field \""
                    + fields.keySet().iterator().next() + "\"; " + type.getSimpleName() + " has " + names(components));
        }
        try {
            return (Record) shape.constructor().invoke(values);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(where + " (" + type.getSimpleName() + "): " + e.getMessage(), e);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot construct a " + type.getSimpleName(), e);
        }
    }

    /** The record type {@code object} names: a command by its {@code "type"}, a line with or without one. */
    private static Class<?> typeOf(JsonObject object, Class<?> expected, String where) {
        JsonElement type = object.get(TYPE);
        if (expected == Line.class) {
            if (type != null && !(type instanceof JsonPrimitive name && name.isString()
                    && name.getAsString().equals("Line"))) {
                throw new IllegalArgumentException(where + " is a line, whose \"type\" is \"Line\" or left out, got "
                        + type);
            }
            return Line.class;
        }
        if (type == null) {
            throw new IllegalArgumentException(where + " lacks \"type\", one of " + COMMANDS.keySet());
        }
        if (!(type instanceof JsonPrimitive name && name.isString())) {
            throw new IllegalArgumentException(where + ".type must be a string, one of " + COMMANDS.keySet()
                    + ", got " + describe(type));
        }
        Class<?> command = COMMANDS.get(name.getAsString());
        if (command == null) {
            throw new IllegalArgumentException(where + ": unknown command type \"" + name.getAsString()
                    + "\"; expected one of " + COMMANDS.keySet());
        }
        return command;
    }

    private static Object value(JsonElement element, RecordComponent component, String where, boolean held) {
        Class<?> type = component.getType();
        if (type == Command.class) {
            if (!(element instanceof JsonObject object)) {
                throw new IllegalArgumentException(where + " must be a command object, got " + describe(element));
            }
            return read(object, Command.class, where, held);
        }
        if (type == long.class) {
            return wholeNumber(element, where);
        }
        if (type == boolean.class) {
            if (!(element instanceof JsonPrimitive bool && bool.isBoolean())) {
                throw new IllegalArgumentException(where + " must be true or false, got " + describe(element));
            }
            return bool.getAsBoolean();
        }
        if (type == int.class) {
            long value = wholeNumber(element, where);
            if (value != (int) value) {
                throw new IllegalArgumentException(where + " is out of range: " + value);
            }
            return (int) value;
        }
        if (type.isEnum()) {
            if (!(element instanceof JsonPrimitive name && name.isString())) {
                throw new IllegalArgumentException(where + " must be a string, one of " + constants(type) + ", got "
                        + describe(element));
            }
            for (Object constant : type.getEnumConstants()) {
                if (((Enum<?>) constant).name().equals(name.getAsString())) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(where + " must be one of " + constants(type) + ", got \""
                    + name.getAsString() + "\"");
        }
        if (type == List.class) {
            Type member = ((ParameterizedType) component.getGenericType()).getActualTypeArguments()[0];
            if (!(element instanceof JsonArray array)) {
                throw new IllegalArgumentException(where + " must be an array, got " + describe(element));
            }
            List<Object> list = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                String at = where + "[" + i + "]";
                if (!(array.get(i) instanceof JsonObject object)) {
                    throw new IllegalArgumentException(at + " must be an object, got " + describe(array.get(i)));
                }
                list.add(read(object, (Class<?>) member, at, held));
            }
            return list;
        }
        throw new IllegalStateException(where + ": a command component of type " + type + " cannot be read");
    }

    private static long wholeNumber(JsonElement element, String where) {
        if (!(element instanceof JsonPrimitive number && number.isNumber())) {
            throw new IllegalArgumentException(where + " must be a whole number, got " + describe(element));
        }
        try {
            return new BigDecimal(number.getAsString()).longValueExact();
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException(where + " must be a whole number from " + Long.MIN_VALUE + " to "
                    + Long.MAX_VALUE + ", got " + number.getAsString(), e);
        }
    }

    /** Gson's message without its advice to parse leniently and its link. */
    private static String gsonMessage(Exception e) {
        String message = String.valueOf(e.getMessage());
        int link = message.indexOf("\nSee ");
        return (link >= 0 ? message.substring(0, link) : message)
                .replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .replace('\n', ' ');
    }

    private static String describe(JsonElement element) {
        if (element == null || element.isJsonNull()) {
            return "null";
        }
        if (element.isJsonObject()) {
            return "an object";
        }
        if (element.isJsonArray()) {
            return "an array";
        }
        JsonPrimitive primitive = element.getAsJsonPrimitive();
        return primitive.isString() ? "the string " + primitive : primitive.toString();
    }

    private static List<String> names(RecordComponent[] components) {
        List<String> names = new ArrayList<>();
        for (RecordComponent component : components) {
            names.add(component.getName());
        }
        return names;
    }

    private static List<String> constants(Class<?> type) {
        List<String> names = new ArrayList<>();
        for (Object constant : type.getEnumConstants()) {
            names.add(((Enum<?>) constant).name());
        }
        return names;
    }

    /** A record type's components, in order, and its canonical constructor. */
    private record Shape(RecordComponent[] components, MethodHandle constructor) {
    }

    private static Map<String, Class<?>> commandTypes() {
        Map<String, Class<?>> types = new LinkedHashMap<>();
        for (Class<?> type : Command.class.getPermittedSubclasses()) {
            types.put(type.getSimpleName(), type);
        }
        return Collections.unmodifiableMap(types);
    }
}
