package dev.distill.common.checkpoint;

import dev.distill.common.event.CheckpointManifest;
import java.util.Objects;

/** A manifest and the artifact it describes. The artifact is copied in and out. */
public record PublishedCheckpoint(CheckpointManifest manifest, byte[] artifact) {

    public PublishedCheckpoint {
        Objects.requireNonNull(manifest, "manifest");
        artifact = Objects.requireNonNull(artifact, "artifact").clone();
    }

    @Override
    public byte[] artifact() {
        return artifact.clone();
    }

    public long version() {
        return manifest.version();
    }

    public int artifactLength() {
        return artifact.length;
    }
}
