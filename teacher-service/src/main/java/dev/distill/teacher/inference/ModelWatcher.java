package dev.distill.teacher.inference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the teacher model file and, when its bytes change, loads the new model on its own thread and offers it to
 * the {@link ModelSlot}; the scoring loop swaps it in between batches. A file that does not load (e.g. half written)
 * is logged and retried when it changes again. Replace model files atomically (write elsewhere, then rename).
 */
public final class ModelWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ModelWatcher.class);

    private final Path path;
    private final Function<Path, TeacherModel> loader;
    private final ModelSlot slot;
    private final Runnable onFailure;
    private final ScheduledExecutorService executor;
    private String lastSeenStamp;

    /**
     * @param loader    loads a model from {@code path} (throws on failure)
     * @param onFailure told about each file that failed to load (e.g. to count it)
     */
    public ModelWatcher(Path path, Function<Path, TeacherModel> loader, ModelSlot slot, Runnable onFailure) {
        this.path = Objects.requireNonNull(path, "path");
        this.loader = Objects.requireNonNull(loader, "loader");
        this.slot = Objects.requireNonNull(slot, "slot");
        this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
        this.lastSeenStamp = stamp();
        this.executor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "teacher-model-watcher");
            t.setDaemon(true);
            return t;
        });
    }

    public void start(Duration interval) {
        if (interval.isZero() || interval.isNegative()) {
            return;
        }
        executor.scheduleWithFixedDelay(this::check, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One check; public so tests can drive it without waiting. */
    public synchronized void check() {
        try {
            String stamp = stamp();
            if (stamp == null || stamp.equals(lastSeenStamp)) {
                return;
            }
            lastSeenStamp = stamp;
            Path file = TeacherModels.modelFile(path);
            String version = TeacherModels.version(file);
            if (version.equals(slot.latestVersion())) {
                return; // touched, same bytes
            }
            LOG.info("teacher model {} changed to version {}; loading it", file, version);
            TeacherModel next = loader.apply(path);
            slot.offer(next);
            LOG.info("teacher model version {} loaded; it scores from the next batch on", next.version());
        } catch (RuntimeException e) {
            onFailure.run();
            LOG.warn("teacher model {} changed but cannot be loaded; keeping version {} ({})", path,
                    slot.currentVersion(), e.getMessage());
        }
    }

    /** Cheap change detector: modification time and size of the model file (or of the directory's entries). */
    private String stamp() {
        try {
            Path file = Files.isDirectory(path) ? TeacherModels.modelFile(path) : path;
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return file + "|" + a.lastModifiedTime().toMillis() + "|" + a.size() + "|" + a.fileKey();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
        try {
            executor.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
