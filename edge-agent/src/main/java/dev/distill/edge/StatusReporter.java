package dev.distill.edge;

import dev.distill.common.event.EdgeStatus;

/** Where an agent sends its {@link EdgeStatus}; must not throw (a device keeps serving when reporting fails). */
@FunctionalInterface
public interface StatusReporter extends AutoCloseable {

    void report(EdgeStatus status);

    @Override
    default void close() {}
}
