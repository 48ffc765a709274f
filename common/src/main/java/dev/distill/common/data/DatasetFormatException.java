package dev.distill.common.data;

/** A data set file exists but is not a valid idx file of the expected kind. */
public class DatasetFormatException extends DatasetException {

    private static final long serialVersionUID = 1L;

    /** What is wrong with the file. */
    public enum Reason {
        WRONG_MAGIC,
        BAD_HEADER,
        TRUNCATED,
        COUNT_MISMATCH,
        LABEL_OUT_OF_RANGE
    }

    private final Reason reason;

    public DatasetFormatException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public DatasetFormatException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
