package dev.distill.common.checkpoint;

import java.util.List;
import java.util.Optional;

/** Where published checkpoints can be looked up; implementations are thread-safe. */
public interface CheckpointSource {

    /** The latest published checkpoint of {@code model}, if any. */
    Optional<PublishedCheckpoint> latest(String model);

    /** A specific version of {@code model}, if it is still held (older versions are tombstoned). */
    Optional<PublishedCheckpoint> version(String model, long version);

    /** The versions of {@code model} still held, ascending. */
    List<Long> versions(String model);

    /** The artifact bytes of one version, if still held. */
    default Optional<byte[]> artifact(String model, long version) {
        return version(model, version).map(PublishedCheckpoint::artifact);
    }
}
