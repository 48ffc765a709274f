package dev.distill.edge;

/** What one poll of the update API did. */
public enum UpdateOutcome {
    /** 304: the manifest did not change. */
    NOT_MODIFIED,
    /** Nothing published for the model yet. */
    NO_MANIFEST,
    /** The manifest names a version this device already serves (or rolled back from). */
    UP_TO_DATE,
    /** The version is staged and this device is not in its rollout share. */
    NOT_IN_ROLLOUT,
    /** A new version was verified, probed and swapped in. */
    APPLIED,
    /** The manifest or artifact failed verification, building or probing; the old model keeps serving. */
    REJECTED,
    /** The server could not be reached or answered an error; retried with backoff. */
    FAILED
}
