package dev.distill.common.signing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Set;

/**
 * Ed25519 keys with the JDK's built-in provider, stored as PEM files ({@code PRIVATE KEY} = PKCS#8,
 * {@code PUBLIC KEY} = X.509 SubjectPublicKeyInfo, as written by {@code openssl genpkey -algorithm ed25519}).
 * Readers also accept the bare base64 of the DER encoding.
 */
public final class Ed25519Keys {

    public static final String ALGORITHM = "Ed25519";

    private static final String PRIVATE_LABEL = "PRIVATE KEY";
    private static final String PUBLIC_LABEL = "PUBLIC KEY";
    private static final int KEY_ID_HEX_CHARS = 16;
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private Ed25519Keys() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no Ed25519 provider (needs Java 15+)", e);
        }
    }

    /** First 16 hex characters of the SHA-256 of the public key's X.509 encoding; names the key in manifests and logs. */
    public static String keyId(PublicKey publicKey) {
        return HexFormat.of().formatHex(Sha256.digest(publicKey.getEncoded())).substring(0, KEY_ID_HEX_CHARS);
    }

    /**
     * Writes the private key as PEM, readable and writable by the owner only (on POSIX file systems). The file is
     * created with those permissions before any key byte is written; an existing file is replaced atomically.
     */
    public static void writePrivateKey(PrivateKey key, Path file) {
        requireEd25519(key.getAlgorithm(), file);
        writeAtomically(file, pem(PRIVATE_LABEL, key.getEncoded()), true);
    }

    public static void writePublicKey(PublicKey key, Path file) {
        requireEd25519(key.getAlgorithm(), file);
        writeAtomically(file, pem(PUBLIC_LABEL, key.getEncoded()), false);
    }

    public static PrivateKey readPrivateKey(Path file) {
        byte[] der = readDer(file, PRIVATE_LABEL);
        try {
            return keyFactory().generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new KeyFormatException(file + ": not an Ed25519 PKCS#8 private key (" + e.getMessage() + ")", e);
        }
    }

    public static PublicKey readPublicKey(Path file) {
        return decodePublicKey(readDer(file, PUBLIC_LABEL), file.toString());
    }

    /** Decodes the base64 of an X.509 Ed25519 public key, as it may appear in configuration. */
    public static PublicKey publicKeyFromBase64(String base64) {
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException("public key is not base64: " + e.getMessage(), e);
        }
        return decodePublicKey(der, "public key");
    }

    /** The base64 of the public key's X.509 encoding (one line). */
    public static String publicKeyToBase64(PublicKey key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    private static PublicKey decodePublicKey(byte[] der, String where) {
        try {
            return keyFactory().generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new KeyFormatException(where + ": not an Ed25519 X.509 public key (" + e.getMessage() + ")", e);
        }
    }

    private static byte[] readDer(Path file, String label) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot read key file", e);
        }
        String body = text.strip();
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        if (body.startsWith("-----BEGIN ")) {
            int from = body.indexOf(begin);
            int to = body.indexOf(end);
            if (from != 0 || to < 0) {
                throw new KeyFormatException(file + ": expected a PEM block '" + begin + "'");
            }
            body = body.substring(begin.length(), to);
        }
        try {
            return Base64.getMimeDecoder().decode(body.strip());
        } catch (IllegalArgumentException e) {
            throw new KeyFormatException(file + ": key is not PEM or base64 (" + e.getMessage() + ")", e);
        }
    }

    private static String pem(String label, byte[] der) {
        String base64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + base64 + "\n-----END " + label + "-----\n";
    }

    private static void writeAtomically(Path file, String content, boolean ownerOnly) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
            FileAttribute<?>[] attrs = ownerOnly && posix
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                    : new FileAttribute<?>[0];
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attrs);
            Files.writeString(tmp, content, StandardCharsets.US_ASCII);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            if (!ownerOnly && posix) {
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write key file", e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the temporary file holds no more than the target would have
                }
            }
        }
    }

    private static void requireEd25519(String algorithm, Path file) {
        if (!ALGORITHM.equalsIgnoreCase(algorithm) && !"EdDSA".equalsIgnoreCase(algorithm)) {
            throw new KeyFormatException(file + ": refusing to write a " + algorithm + " key, expected Ed25519");
        }
    }

    private static KeyFactory keyFactory() throws NoSuchAlgorithmException {
        return KeyFactory.getInstance(ALGORITHM);
    }
}
