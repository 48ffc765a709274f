package dev.distill.deploy.cli;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/** Keeps a started service running until Ctrl-C (which closes it cleanly) or until it stops on its own. */
final class ServiceRun {

    /** What a service offers to wait for its end. */
    interface Termination {
        boolean await(Duration timeout) throws InterruptedException;
    }

    private ServiceRun() {}

    static int untilStopped(String name, AutoCloseable service, Termination termination,
            Supplier<Optional<Throwable>> failure) throws InterruptedException {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                service.close();
            } catch (Exception e) {
                System.err.println("distill: stopping the " + name + ": " + e);
            }
        }, "distill-" + name + "-stop"));
        while (!termination.await(Duration.ofSeconds(1))) {
            // the shutdown hook closes the service on Ctrl-C
        }
        if (failure.get().isPresent()) {
            System.err.println("distill: the " + name + " stopped on " + failure.get().get());
            return 1;
        }
        return 0;
    }
}
