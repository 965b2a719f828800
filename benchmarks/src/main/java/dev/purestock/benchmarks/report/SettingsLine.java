package dev.purestock.benchmarks.report;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The settings line atop a harness's {@code .tsv} (after its {@code "# "}): the settings, then, in files the harnesses
 * wrote since they record it, where the run measured, {@code code=COMMIT date=DAY}
 * ({@link dev.purestock.benchmarks.BenchmarkFiles#measuredAt()}). {@code code} and {@code date} are empty for an older
 * file.
 */
record SettingsLine(String settings, String code, String date) {
    private static final Pattern MEASURED_AT = Pattern.compile("(?:^| )code=(\\S+) date=(\\S+)$");

    /** The line of a file that holds none. */
    static final SettingsLine NONE = new SettingsLine("", "", "");

    /** {@code line} without its {@code "# "}. */
    static SettingsLine parse(String line) {
        Matcher measured = MEASURED_AT.matcher(line);
        return measured.find() ? new SettingsLine(line.substring(0, measured.start()), measured.group(1), measured.group(2))
                : new SettingsLine(line, "", "");
    }

    /**
     * The sentence under a table made from the files of {@code lines}: the commits and days they were measured at, or
     * that they do not say.
     */
    static String measuredAt(List<SettingsLine> lines) {
        List<String> recorded = lines.stream().filter(line -> !line.code.isEmpty())
                .map(line -> "commit " + line.code + " on " + line.date).distinct().toList();
        if (recorded.isEmpty()) {
            return "Commit and date not recorded.";
        }
        boolean someNot = lines.stream().anyMatch(line -> line.code.isEmpty());
        return "Measured at " + String.join(", ", recorded) + (someNot ? "; some of its files record neither" : "") + ".";
    }
}
