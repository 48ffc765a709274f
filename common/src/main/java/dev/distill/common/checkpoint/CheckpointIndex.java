package dev.distill.common.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/** Published checkpoints held in memory, by model and version; safe for concurrent readers and one writer. */
final class CheckpointIndex {

    private final Map<String, NavigableMap<Long, PublishedCheckpoint>> models = new ConcurrentHashMap<>();

    /** Adds or replaces the checkpoint's version. */
    void put(PublishedCheckpoint checkpoint) {
        models.computeIfAbsent(checkpoint.manifest().modelName(), m -> new ConcurrentSkipListMap<>())
                .put(checkpoint.version(), checkpoint);
    }

    /** @return whether the version was held */
    boolean remove(String model, long version) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        return versions != null && versions.remove(version) != null;
    }

    Optional<PublishedCheckpoint> get(String model, long version) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    Optional<PublishedCheckpoint> highest(String model) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        Map.Entry<Long, PublishedCheckpoint> last = versions == null ? null : versions.lastEntry();
        return last == null ? Optional.empty() : Optional.of(last.getValue());
    }

    List<Long> versions(String model) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        return versions == null ? List.of() : new ArrayList<>(versions.keySet());
    }
}
