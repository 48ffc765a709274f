package dev.distill.edge;

import ai.djl.Model;
import dev.distill.common.model.Architecture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An immutable loaded model with a reference count: the agent holds one reference while the model is current or kept
 * for rollback, each prediction holds one while it runs, and the last release closes the DJL model. So a swap never
 * closes a model under a running prediction.
 */
final class ServingModel {

    private final long version;
    private final Model model;
    private final Architecture architecture;
    private final byte[] artifact;
    private final boolean int8;
    private final AtomicInteger refs = new AtomicInteger(1);

    /** @param int8 whether {@code artifact} is the int8 variant (then it cannot be a delta base for full artifacts) */
    ServingModel(long version, Model model, Architecture architecture, byte[] artifact, boolean int8) {
        this.version = version;
        this.model = model;
        this.architecture = architecture;
        this.artifact = artifact.clone();
        this.int8 = int8;
    }

    /** False once the model has been closed (the caller re-reads the current model). */
    boolean tryAcquire() {
        for (int r = refs.get(); r > 0; r = refs.get()) {
            if (refs.compareAndSet(r, r + 1)) {
                return true;
            }
        }
        return false;
    }

    void release() {
        if (refs.decrementAndGet() == 0) {
            model.close();
        }
    }

    boolean isClosed() {
        return refs.get() == 0;
    }

    long version() {
        return version;
    }

    Model model() {
        return model;
    }

    Architecture architecture() {
        return architecture;
    }

    boolean isInt8() {
        return int8;
    }

    byte[] artifact() {
        return artifact.clone();
    }
}
