package dev.distill.common.signing;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

/**
 * Signs canonical manifest bytes with an Ed25519 private key. Thread-safe (a fresh {@link Signature} per call). The key
 * never leaves this object and never appears in {@link #toString()}; the public {@link #keyId()} names it.
 */
public final class ManifestSigner {

    private static final byte[] PROBE = "distill key-pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String keyId;

    /** @throws KeyFormatException if the keys are not Ed25519 or do not belong together */
    public ManifestSigner(KeyPair keys) {
        this.privateKey = keys.getPrivate();
        this.publicKey = keys.getPublic();
        this.keyId = Ed25519Keys.keyId(publicKey);
        if (!new ManifestVerifier(publicKey).verify(PROBE, sign(PROBE))) {
            throw new KeyFormatException("private key does not belong to public key " + keyId);
        }
    }

    /** Reads a PEM key pair as written by {@link Ed25519Keys}. */
    public static ManifestSigner fromFiles(Path privateKeyFile, Path publicKeyFile) {
        return new ManifestSigner(
                new KeyPair(Ed25519Keys.readPublicKey(publicKeyFile), Ed25519Keys.readPrivateKey(privateKeyFile)));
    }

    /** The Ed25519 signature of {@code canonicalBytes}, base64 (standard alphabet, padded; 88 characters). */
    public String sign(byte[] canonicalBytes) {
        try {
            Signature signature = Signature.getInstance(Ed25519Keys.ALGORITHM);
            signature.initSign(privateKey);
            signature.update(canonicalBytes);
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new KeyFormatException("signing with key " + keyId + " failed: " + e.getMessage(), e);
        }
    }

    /** Fingerprint of the public key (see {@link Ed25519Keys#keyId}). */
    public String keyId() {
        return keyId;
    }

    public PublicKey publicKey() {
        return publicKey;
    }

    /** A verifier for this signer's public key. */
    public ManifestVerifier verifier() {
        return new ManifestVerifier(publicKey);
    }

    @Override
    public String toString() {
        return "ManifestSigner[Ed25519, keyId=" + keyId + "]";
    }
}
