package dev.distill.common.data;

/** A data set could not be read. Subclasses say whether it is missing or malformed. */
public class DatasetException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DatasetException(String message) {
        super(message);
    }

    public DatasetException(String message, Throwable cause) {
        super(message, cause);
    }
}
