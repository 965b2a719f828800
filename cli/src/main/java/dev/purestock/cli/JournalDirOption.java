package dev.purestock.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

import java.nio.file.Path;

/** The {@code --journal DIR} option the operations commands share. */
final class JournalDirOption {
    @Option(names = "--journal", paramLabel = "DIR", required = true, converter = JournalDirOption.Converter.class,
            description = "The journal directory (as written by the demo or an embedding service).")
    Path dir;

    /** Reads a journal path, refusing a blank one (it would name the working directory unawares). */
    static final class Converter implements ITypeConverter<Path> {
        @Override
        public Path convert(String value) {
            if (value.isBlank()) {
                throw new TypeConversionException("a journal directory is needed, got an empty path");
            }
            return Path.of(value);
        }
    }
}
