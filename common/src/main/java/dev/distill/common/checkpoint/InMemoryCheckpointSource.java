package dev.distill.common.checkpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * A {@link CheckpointSource} held in memory. It stores what it is given without checking hashes or signatures, which
 * makes it the place to stage tampered artifacts in tests; {@link CheckpointTopicReader} is the checked source.
 */
public final class InMemoryCheckpointSource implements CheckpointSource {

    private final Map<String, NavigableMap<Long, PublishedCheckpoint>> models = new ConcurrentHashMap<>();

    /** Adds (or replaces) a version; the highest version is the latest. */
    public void put(PublishedCheckpoint checkpoint) {
        models.computeIfAbsent(checkpoint.manifest().modelName(), m -> new ConcurrentSkipListMap<>())
                .put(checkpoint.version(), checkpoint);
    }

    public void remove(String model, long version) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        if (versions != null) {
            versions.remove(version);
        }
    }

    @Override
    public Optional<PublishedCheckpoint> latest(String model) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        if (versions == null) {
            return Optional.empty();
        }
        Map.Entry<Long, PublishedCheckpoint> last = versions.lastEntry();
        return last == null ? Optional.empty() : Optional.of(last.getValue());
    }

    @Override
    public Optional<PublishedCheckpoint> version(String model, long version) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        return versions == null ? Optional.empty() : Optional.ofNullable(versions.get(version));
    }

    @Override
    public List<Long> versions(String model) {
        NavigableMap<Long, PublishedCheckpoint> versions = models.get(model);
        return versions == null ? List.of() : new ArrayList<>(versions.keySet());
    }
}
