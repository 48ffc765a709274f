package dev.distill.teacher.inference;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The model the scoring loop uses, plus at most one replacement waiting to be swapped in. The loop calls
 * {@link #current()} only between transactions with no batch in the model (it checks {@link #hasPending()} to know
 * when to get there), so a whole transaction is scored by one version and the old model is closed once nothing
 * scores with it.
 */
public final class ModelSlot implements AutoCloseable {

    private final AtomicReference<TeacherModel> pending = new AtomicReference<>();
    private final Consumer<TeacherModel> onSwap;
    private volatile TeacherModel current;
    private volatile boolean closed;

    /** @param onSwap told about each model swapped in (e.g. to count reloads); runs on the loop thread */
    public ModelSlot(TeacherModel initial, Consumer<TeacherModel> onSwap) {
        this.current = Objects.requireNonNull(initial, "initial");
        this.onSwap = Objects.requireNonNull(onSwap, "onSwap");
    }

    /** Offers a newly loaded model; a replacement offered earlier but not yet swapped in is closed. */
    public void offer(TeacherModel next) {
        Objects.requireNonNull(next, "next");
        if (closed) {
            next.close();
            return;
        }
        TeacherModel dropped = pending.getAndSet(next);
        if (dropped != null) {
            dropped.close();
        }
        if (closed) {
            TeacherModel late = pending.getAndSet(null);
            if (late != null) {
                late.close();
            }
        }
    }

    /** True when a replacement waits to be swapped in by {@link #current()}; safe from any thread. */
    public boolean hasPending() {
        return pending.get() != null;
    }

    /** For the loop thread only, with no batch in the model: swaps in a pending model (closing the old one) and returns it. */
    public TeacherModel current() {
        TeacherModel next = pending.getAndSet(null);
        if (next != null) {
            TeacherModel old = current;
            current = next;
            old.close();
            onSwap.accept(next);
        }
        return current;
    }

    /** The version in use, safe from any thread (it does not swap). */
    public String currentVersion() {
        return current.version();
    }

    /** The newest version known: the pending one if any, else the current one. */
    public String latestVersion() {
        TeacherModel p = pending.get();
        return p != null ? p.version() : current.version();
    }

    public boolean isOpen() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
        TeacherModel p = pending.getAndSet(null);
        if (p != null) {
            p.close();
        }
        current.close();
    }
}
