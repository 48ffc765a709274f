package dev.distill.common.model;

/** Parameter bytes that do not fit the architecture they are loaded into (wrong spec, truncated, corrupt). */
public class ParameterFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ParameterFormatException(String message) {
        super(message);
    }

    public ParameterFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
