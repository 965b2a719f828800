package dev.purestock.engine;

/**
 * A caller's reused callback for the allocation tests: reads each view, counts accepted and refused outcomes, keeps
 * nothing, and fails the test on a failure.
 */
final class CountingViewCallback implements OutcomeViewCallback {
    long accepted;
    long refused;

    @Override
    public void onOutcome(OutcomeView outcome) {
        if (outcome.accepted()) {
            accepted++;
        } else {
            refused++;
        }
    }

    @Override
    public void onFailure(Throwable cause) {
        throw new AssertionError(cause);
    }
}
