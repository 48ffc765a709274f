package dev.distill.common.checkpoint;

import java.util.List;
import java.util.Optional;

/**
 * A {@link CheckpointSource} held in memory. It stores what it is given without checking hashes or signatures, which
 * makes it the place to stage tampered artifacts in tests; {@link CheckpointTopicReader} is the checked source.
 */
public final class InMemoryCheckpointSource implements CheckpointSource {

    private final CheckpointIndex index = new CheckpointIndex();

    /** Adds (or replaces) a version; the highest version is the latest. */
    public void put(PublishedCheckpoint checkpoint) {
        index.put(checkpoint);
    }

    public void remove(String model, long version) {
        index.remove(model, version);
    }

    @Override
    public Optional<PublishedCheckpoint> latest(String model) {
        return index.highest(model);
    }

    @Override
    public Optional<PublishedCheckpoint> version(String model, long version) {
        return index.get(model, version);
    }

    @Override
    public List<Long> versions(String model) {
        return index.versions(model);
    }
}
