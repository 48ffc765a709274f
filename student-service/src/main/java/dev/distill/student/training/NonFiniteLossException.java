package dev.distill.student.training;

/** A batch whose loss is NaN or infinite; the trainer skipped it and left the model unchanged. */
public class NonFiniteLossException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    public NonFiniteLossException(String message) {
        super(message);
    }
}
