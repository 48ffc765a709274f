package dev.distill.common.signing;

/** A key file or key encoding that is not a valid Ed25519 key. */
public class KeyFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KeyFormatException(String message) {
        super(message);
    }

    public KeyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
