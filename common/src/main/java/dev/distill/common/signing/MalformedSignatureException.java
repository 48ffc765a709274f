package dev.distill.common.signing;

/** A signature that is not even shaped like an Ed25519 signature (not base64, or not 64 bytes). */
public class MalformedSignatureException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public MalformedSignatureException(String message) {
        super(message);
    }

    public MalformedSignatureException(String message, Throwable cause) {
        super(message, cause);
    }
}
