package dev.purestock.domain;

import java.util.List;

/** An order's line records seen as {@link OrderLines}: how a store that keeps records visits orders as fields. */
record ListedLines(List<Line> lines) implements OrderLines {
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
