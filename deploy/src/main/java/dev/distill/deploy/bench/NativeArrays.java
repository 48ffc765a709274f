package dev.distill.deploy.bench;

import ai.djl.ndarray.NDManager;

/**
 * Counts the NDArrays alive in this process: every DJL manager descends from the engine's system manager, and
 * {@code NDManager.getManagedArrays()} walks a manager and its sub-managers (models, predictors, per-step
 * scopes), so asking the system manager counts them all. An array that leaks stays attached to some manager
 * and keeps the count rising; arrays of closed scopes are gone from it.
 */
final class NativeArrays {

    private static NDManager system;

    private NativeArrays() {}

    /** Live NDArrays of the default engine, or -1 when the engine cannot be reached. */
    static synchronized long count() {
        try {
            if (system == null) {
                // a base manager's parent is the engine's system manager, which has no public accessor
                try (NDManager probe = NDManager.newBaseManager()) {
                    system = probe.getParentManager();
                }
            }
            return system.getManagedArrays().size();
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
