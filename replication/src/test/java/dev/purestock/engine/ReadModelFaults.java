package dev.purestock.engine;

/**
 * The engine's seam for a failing read model ({@code PurestockEngine.Builder.readModelFault}, package-private), for
 * replication's tests of a primary whose engine takes no more commands.
 */
public final class ReadModelFaults {
    private ReadModelFaults() {
    }

    /** {@code engine}, whose read model fails as it applies command {@code sequence}. */
    public static PurestockEngine.Builder failAt(PurestockEngine.Builder engine, long sequence) {
        return engine.readModelFault(applying -> {
            if (applying == sequence) {
                throw new IllegalStateException("the read model failed on seq " + applying);
            }
        });
    }
}
