package dev.distill.student.training;

/** Checkpoint bytes that cannot be read: truncated, corrupt (checksum mismatch) or of an unknown format. */
public class CheckpointFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }

    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
