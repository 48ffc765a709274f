package dev.distill.student.pipeline;

import dev.distill.common.signing.Ed25519Keys;
import dev.distill.common.signing.ManifestSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Loads the publisher's Ed25519 key pair, generating it on first use. Logs paths and the key id, never key bytes. */
public final class SigningKeys {

    private static final Logger LOG = LoggerFactory.getLogger(SigningKeys.class);

    private SigningKeys() {}

    /**
     * The signer of {@code privateKey} and {@code publicKey}. If the private key file does not exist, a new pair is
     * generated and both files are written (the private one readable by the owner only).
     *
     * @throws IllegalStateException if the private key exists but its public key does not
     */
    public static ManifestSigner loadOrCreate(Path privateKey, Path publicKey) {
        if (Files.exists(privateKey)) {
            if (!Files.exists(publicKey)) {
                throw new IllegalStateException("signing key " + privateKey + " exists but its public key " + publicKey
                        + " does not; restore it, or move the private key away to generate a new pair");
            }
            ManifestSigner signer = ManifestSigner.fromFiles(privateKey, publicKey);
            LOG.info("signing checkpoints with Ed25519 key {} from {}", signer.keyId(), privateKey);
            return signer;
        }
        try {
            Path dir = privateKey.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of signing key " + privateKey, e);
        }
        KeyPair pair = Ed25519Keys.generate();
        Ed25519Keys.writePublicKey(pair.getPublic(), publicKey);
        Ed25519Keys.writePrivateKey(pair.getPrivate(), privateKey);
        ManifestSigner signer = new ManifestSigner(pair);
        LOG.warn("no signing key at {}: generated a new Ed25519 key pair (key id {}); private key {} (owner-only), "
                + "public key {} — give the public key to edge agents", privateKey, signer.keyId(), privateKey,
                publicKey);
        return signer;
    }
}
