package dev.purestock.domain;

import java.util.List;

/**
 * A list of {@link Line} records read as {@link OrderLines}: how a store that keeps records hands out an order's
 * lines as fields. One view serves any number of orders: {@link #of} points it at the next list.
 */
public final class ListedLines implements OrderLines {
    private List<Line> lines = List.of();

    /** This view, now over {@code orderLines}. */
    public ListedLines of(List<Line> orderLines) {
        this.lines = orderLines;
        return this;
    }

    @Override
    public int count() {
        return lines.size();
    }

    @Override
    public long sku(int i) {
        return lines.get(i).sku();
    }

    @Override
    public int warehouse(int i) {
        return lines.get(i).warehouse();
    }

    @Override
    public long quantity(int i) {
        return lines.get(i).quantity();
    }
}
