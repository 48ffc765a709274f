package dev.distill.common.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Collectors;

/**
 * A named, seeded mix of {@link Drift} transforms. For a given scenario, {@link #apply(float[], int, long)} with the
 * same key (e.g. the image's index in the stream) always yields the same image, in any JVM, so the local drift stream
 * and the drifted test split ({@link #applyTo(LabelledImages)}) are reproducible from the scenario name and seed.
 *
 * <p>Parameters drawn per image: rotation by 15°–40° in either direction, contrast factor 0.3–0.6 (washed out),
 * and a black 8–11 pixel square patch (always for {@code occlude}, on half of the images in the mix).
 */
public record DriftScenario(Kind kind, long seed) {

    /** The scenario the local stack and the teacher's drifted evaluation use unless told otherwise. */
    public static final String DEFAULT_NAME = "rotate-contrast-occlude";
    /** Seed of the default drifted test split; change it and every reported "drifted accuracy" changes meaning. */
    public static final long DEFAULT_SEED = 0x5EED_D81F7L;

    static final double MIN_DEGREES = 15;
    static final double MAX_DEGREES = 40;
    static final double MIN_CONTRAST = 0.3;
    static final double MAX_CONTRAST = 0.6;
    static final int MIN_PATCH = 8;
    static final int MAX_PATCH = 11;
    static final double MIX_OCCLUSION_PROBABILITY = 0.5;

    /** Which transforms a scenario applies. */
    public enum Kind {
        NONE("none"),
        ROTATE("rotate"),
        CONTRAST("contrast"),
        OCCLUDE("occlude"),
        ROTATE_CONTRAST_OCCLUDE("rotate-contrast-occlude");

        private final String specName;

        Kind(String specName) {
            this.specName = specName;
        }

        public String specName() {
            return specName;
        }
    }

    public DriftScenario {
        if (kind == null) {
            throw new IllegalArgumentException("drift scenario kind must not be null; known: " + knownNames());
        }
    }

    /** The default scenario with its default seed. */
    public static DriftScenario defaultScenario() {
        return new DriftScenario(Kind.ROTATE_CONTRAST_OCCLUDE, DEFAULT_SEED);
    }

    /**
     * Parses a scenario name such as {@code rotate-contrast-occlude} (case and surrounding blanks ignored).
     *
     * @throws IllegalArgumentException naming the unknown scenario and the known ones
     */
    public static DriftScenario parse(String name, long seed) {
        String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
        for (Kind kind : Kind.values()) {
            if (kind.specName.equals(wanted)) {
                return new DriftScenario(kind, seed);
            }
        }
        throw new IllegalArgumentException("unknown drift scenario '" + name + "'; known: " + knownNames());
    }

    /** Comma-separated names accepted by {@link #parse(String, long)}. */
    public static String knownNames() {
        return Arrays.stream(Kind.values()).map(Kind::specName).collect(Collectors.joining(", "));
    }

    /** The scenario's name, e.g. {@code rotate-contrast-occlude}. */
    public String name() {
        return kind.specName;
    }

    /** Drifts one {@code side}×{@code side} image; deterministic in ({@link #seed()}, {@code key}). */
    public float[] apply(float[] image, int side, long key) {
        // SplittableRandom mixes its seed, so neighbouring keys give unrelated draws.
        return apply(image, side, new SplittableRandom(seed ^ (key * 0x9E37_79B9_7F4A_7C15L)));
    }

    /** Drifts one image with parameters drawn from {@code random}; for training-time augmentation. */
    public float[] apply(float[] image, int side, SplittableRandom random) {
        switch (kind) {
            case NONE:
                return image.clone();
            case ROTATE:
                return rotate(image, side, random);
            case CONTRAST:
                return contrast(image, random);
            case OCCLUDE:
                return occlude(image, side, random);
            case ROTATE_CONTRAST_OCCLUDE:
                float[] out = contrast(rotate(image, side, random), random);
                return random.nextDouble() < MIX_OCCLUSION_PROBABILITY ? occlude(out, side, random) : out;
            default:
                throw new IllegalStateException("unhandled drift kind " + kind);
        }
    }

    /**
     * The whole set drifted, image {@code i} with key {@code i}; pixels are rounded back to bytes, as a camera would
     * deliver them.
     */
    public LabelledImages applyTo(LabelledImages images) {
        if (images.rows() != images.cols()) {
            throw new IllegalArgumentException("drift needs square images, got " + images.rows() + "x" + images.cols());
        }
        int size = images.imageSize();
        byte[] pixels = new byte[images.count() * size];
        float[] image = new float[size];
        for (int i = 0; i < images.count(); i++) {
            images.copyImage(i, image, 0);
            float[] drifted = apply(image, images.rows(), i);
            for (int p = 0; p < size; p++) {
                pixels[i * size + p] = (byte) Math.round(Math.min(1f, Math.max(0f, drifted[p])) * 255f);
            }
        }
        byte[] labels = new byte[images.count()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = (byte) images.label(i);
        }
        return LabelledImages.wrap(images.rows(), images.cols(), pixels, labels);
    }

    private static float[] rotate(float[] image, int side, SplittableRandom random) {
        double magnitude = MIN_DEGREES + random.nextDouble() * (MAX_DEGREES - MIN_DEGREES);
        return Drift.rotate(image, side, random.nextBoolean() ? magnitude : -magnitude);
    }

    private static float[] contrast(float[] image, SplittableRandom random) {
        return Drift.contrast(image, MIN_CONTRAST + random.nextDouble() * (MAX_CONTRAST - MIN_CONTRAST));
    }

    private static float[] occlude(float[] image, int side, SplittableRandom random) {
        int size = MIN_PATCH + random.nextInt(MAX_PATCH - MIN_PATCH + 1);
        // Keep the patch on the object (the centre of the frame), where it hides something.
        int margin = Math.min(3, Math.max(0, side - size));
        int span = Math.max(1, side - size - 2 * margin + 1);
        return Drift.occlude(image, side, margin + random.nextInt(span), margin + random.nextInt(span), size);
    }

    @Override
    public String toString() {
        return name() + "(seed=" + seed + ")";
    }
}
