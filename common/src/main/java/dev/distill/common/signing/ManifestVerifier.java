package dev.distill.common.signing;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.util.Base64;

/** Verifies Ed25519 signatures made by {@link ManifestSigner}. Thread-safe. */
public final class ManifestVerifier {

    /** Ed25519 signatures are always 64 bytes. */
    public static final int SIGNATURE_BYTES = 64;

    private final PublicKey publicKey;
    private final String keyId;

    /** @throws KeyFormatException if the key is not an Ed25519 key */
    public ManifestVerifier(PublicKey publicKey) {
        try {
            Signature.getInstance(Ed25519Keys.ALGORITHM).initVerify(publicKey);
        } catch (InvalidKeyException e) {
            throw new KeyFormatException("not an Ed25519 public key: " + publicKey.getAlgorithm(), e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519 provider (needs Java 15+)", e);
        }
        this.publicKey = publicKey;
        this.keyId = Ed25519Keys.keyId(publicKey);
    }

    public static ManifestVerifier fromFile(Path publicKeyFile) {
        return new ManifestVerifier(Ed25519Keys.readPublicKey(publicKeyFile));
    }

    /**
     * Whether {@code signatureB64} is this key's signature of exactly {@code canonicalBytes}.
     *
     * @return false for a well-formed signature that does not match (tampered bytes, other key)
     * @throws MalformedSignatureException if the signature is null, not base64, or not 64 bytes
     */
    public boolean verify(byte[] canonicalBytes, String signatureB64) {
        byte[] signatureBytes = decode(signatureB64);
        try {
            Signature signature = Signature.getInstance(Ed25519Keys.ALGORITHM);
            signature.initVerify(publicKey);
            signature.update(canonicalBytes);
            return signature.verify(signatureBytes);
        } catch (SignatureException e) {
            // The JDK rejects some 64-byte strings (e.g. S out of range) by throwing; for callers that is a non-match.
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("verifying with key " + keyId + " failed: " + e.getMessage(), e);
        }
    }

    private static byte[] decode(String signatureB64) {
        if (signatureB64 == null || signatureB64.isBlank()) {
            throw new MalformedSignatureException("signature is missing");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(signatureB64.strip());
        } catch (IllegalArgumentException e) {
            throw new MalformedSignatureException("signature is not base64: " + e.getMessage(), e);
        }
        if (bytes.length != SIGNATURE_BYTES) {
            throw new MalformedSignatureException(
                    "signature is " + bytes.length + " bytes, an Ed25519 signature is " + SIGNATURE_BYTES);
        }
        return bytes;
    }

    public String keyId() {
        return keyId;
    }

    @Override
    public String toString() {
        return "ManifestVerifier[Ed25519, keyId=" + keyId + "]";
    }
}
