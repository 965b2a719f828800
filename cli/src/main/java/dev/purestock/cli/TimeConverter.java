package dev.purestock.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Reads a point in time as the journal stamps it, epoch milliseconds: either the milliseconds themselves
 * ({@code 1700000000000}) or an ISO-8601 instant ({@code 2026-11-29T10:15:30Z}, {@code 2026-11-29T10:15:30.250Z},
 * {@code 2026-11-29T11:15:30+01:00}).
 */
final class TimeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        String text = value.strip();
        if (!text.isEmpty() && text.chars().allMatch(Character::isDigit)) {
            try {
                return Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new TypeConversionException("'" + value + "' is too large for epoch milliseconds");
            }
        }
        try {
            return Instant.parse(text).toEpochMilli();
        } catch (DateTimeParseException | ArithmeticException e) {
            throw new TypeConversionException("'" + value + "' is neither an ISO-8601 instant (2026-11-29T10:15:30Z) "
                    + "nor epoch milliseconds");
        }
    }
}
