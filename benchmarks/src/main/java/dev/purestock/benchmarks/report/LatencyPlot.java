package dev.purestock.benchmarks.report;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.FieldPosition;
import java.text.NumberFormat;
import java.text.ParsePosition;
import java.util.List;
import java.util.Locale;

/**
 * Draws the classic HdrHistogram percentile plot: latency (log scale) against the percentile, spread out
 * as {@code 1 / (1 - percentile)} so that the tail gets the room it deserves; one line per offered rate.
 */
final class LatencyPlot {
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 620;

    private LatencyPlot() {
    }

    /**
     * Reads the {@code <name>-<rate>.hgrm} files of one machine's run and writes a PNG.
     *
     * @param hgrmFiles the percentile distributions, as HdrHistogram prints them (values in µs)
     * @param title     the chart's title (machine and settings)
     * @param png       where to write the image
     */
    static void write(List<Path> hgrmFiles, String title, Path png) throws IOException {
        XYSeriesCollection dataset = new XYSeriesCollection();
        for (Path file : hgrmFiles) {
            String name = file.getFileName().toString().replaceAll(".*-|\\.hgrm$", "");
            XYSeries series = new XYSeries(String.format(Locale.ROOT, "%,d commands/s", Long.parseLong(name)));
            for (String line : Files.readAllLines(file)) {
                String[] cells = line.trim().split("\\s+");
                if (cells.length == 4 && Character.isDigit(cells[0].charAt(0)) && !cells[3].equals("Infinity")) {
                    double micros = Double.parseDouble(cells[0]);
                    double spread = Double.parseDouble(cells[3]);
                    if (micros > 0 && spread >= 1) {
                        series.add(spread, micros);
                    }
                }
            }
            dataset.addSeries(series);
        }
        LogAxis percentile = new LogAxis("percentile");
        percentile.setBase(10);
        percentile.setNumberFormatOverride(new PercentileFormat());
        percentile.setTickUnit(new NumberTickUnit(1));
        percentile.setLowerBound(1);
        percentile.setUpperBound(1_000_000);
        LogAxis latency = new LogAxis("latency (µs, from scheduled send to durable answer)");
        latency.setBase(10);
        latency.setTickUnit(new NumberTickUnit(1));
        latency.setNumberFormatOverride(new DecimalFormat("#,##0.##"));
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        XYPlot plot = new XYPlot(dataset, percentile, latency, renderer);
        JFreeChart chart = new JFreeChart("purestock open-loop latency, journal on", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.addSubtitle(new TextTitle(title));
        ChartUtils.saveChartAsPNG(png.toFile(), chart, WIDTH, HEIGHT);
    }

    /** Labels {@code 1 / (1 - p)} ticks as the percentile p they stand for. */
    private static final class PercentileFormat extends NumberFormat {
        @Override
        public StringBuffer format(double spread, StringBuffer out, FieldPosition position) {
            double percent = 100.0 * (1.0 - 1.0 / spread);
            String text = percent == 0 ? "0%" : new DecimalFormat("0.#####").format(percent) + "%";
            return out.append(text);
        }

        @Override
        public StringBuffer format(long spread, StringBuffer out, FieldPosition position) {
            return format((double) spread, out, position);
        }

        @Override
        public Number parse(String source, ParsePosition position) {
            throw new IllegalStateException("percentile labels are only ever formatted");
        }
    }
}
