package dev.distill.common.data;

import dev.distill.common.data.DatasetFormatException.Reason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Loads Fashion-MNIST from the idx files Debian's {@code dataset-fashion-mnist} installs (gzipped or not).
 *
 * <p>Directory resolution, for callers that do not take one from their config: {@link #CONFIG_KEY} in the config
 * wins, then the environment variable {@link #ENV_VAR}, then {@link #DEFAULT_DIR}.
 */
public final class FashionMnist {

    /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
    public static final Path DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");
    /** Config key naming the data set directory. */
    public static final String CONFIG_KEY = "dataset.dir";
    /** Environment variable naming the data set directory. */
    public static final String ENV_VAR = "DISTILL_DATASET_DIR";

    public static final int ROWS = 28;
    public static final int COLS = 28;
    public static final int NUM_CLASSES = 10;

    /** Class names by label, as published with the data set. */
    public static final List<String> CLASS_NAMES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private static final int IMAGE_MAGIC_DIMS = 3;
    private static final int LABEL_MAGIC_DIMS = 1;

    private FashionMnist() {}

    /** The directory to read from: {@code configured} if not blank, else {@code env[ENV_VAR]} if set, else {@link #DEFAULT_DIR}. */
    public static Path resolveDir(String configured, Map<String, String> env) {
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.strip());
        }
        String fromEnv = env.get(ENV_VAR);
        return fromEnv != null && !fromEnv.isBlank() ? Path.of(fromEnv.strip()) : DEFAULT_DIR;
    }

    /**
     * Reads one split from {@code dir}.
     *
     * @throws DatasetNotFoundException if a file is missing, saying where it looked and how to fix it
     * @throws DatasetFormatException if a file is truncated, has the wrong magic number, or images and labels disagree
     */
    public static LabelledImages load(Path dir, Split split) {
        IdxFile images = IdxFile.read(locate(dir, split.imagesFile()), IMAGE_MAGIC_DIMS);
        IdxFile labels = IdxFile.read(locate(dir, split.labelsFile()), LABEL_MAGIC_DIMS);
        int count = images.dims[0];
        if (labels.dims[0] != count) {
            throw new DatasetFormatException(Reason.COUNT_MISMATCH, images.path + " holds " + count + " images but "
                    + labels.path + " holds " + labels.dims[0] + " labels; are both from the same split and download?");
        }
        if (images.dims[1] != ROWS || images.dims[2] != COLS) {
            throw new DatasetFormatException(Reason.BAD_HEADER, images.path + ": images are " + images.dims[1] + "x"
                    + images.dims[2] + ", Fashion-MNIST images are " + ROWS + "x" + COLS);
        }
        for (int i = 0; i < count; i++) {
            int label = labels.data[i] & 0xFF;
            if (label >= NUM_CLASSES) {
                throw new DatasetFormatException(Reason.LABEL_OUT_OF_RANGE, labels.path + ": label of image " + i
                        + " is " + label + ", expected 0.." + (NUM_CLASSES - 1));
            }
        }
        return LabelledImages.wrap(ROWS, COLS, images.data, labels.data);
    }

    private static Path locate(Path dir, String name) {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        throw new DatasetNotFoundException("Fashion-MNIST file " + name + "(.gz) not found: looked for " + gz
                + " and " + plain + ". Install the data set with `apt-get install dataset-fashion-mnist` (it goes to "
                + DEFAULT_DIR + "), or point elsewhere with the config key " + CONFIG_KEY
                + " or the environment variable " + ENV_VAR + ".");
    }
}
