package dev.distill.common.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.distill.common.data.DatasetFormatException.Reason;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

    @TempDir
    Path dir;

    /** An idx file of unsigned bytes: magic, dims, data. */
    private static byte[] idx(int dimsInMagic, int[] dims, byte[] data) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x0800 | dimsInMagic);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        }
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(plain);
        }
        return bytes.toByteArray();
    }

    private static byte[] sequence(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    private void writeSmallTestSplit(boolean gzipped) throws IOException {
        byte[] images = idx(3, new int[] {3, 28, 28}, sequence(3 * 784));
        byte[] labels = idx(1, new int[] {3}, new byte[] {9, 0, 4});
        Files.write(dir.resolve("t10k-images-idx3-ubyte" + (gzipped ? ".gz" : "")), gzipped ? gzip(images) : images);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte" + (gzipped ? ".gz" : "")), gzipped ? gzip(labels) : labels);
    }

    @Test
    void loadsTheRealDebianFiles() {
        assumeTrue(Files.isDirectory(FashionMnist.DEFAULT_DIR), "dataset-fashion-mnist is not installed");

        LabelledImages train = FashionMnist.load(FashionMnist.DEFAULT_DIR, Split.TRAIN);
        LabelledImages test = FashionMnist.load(FashionMnist.DEFAULT_DIR, Split.TEST);

        assertThat(train.count()).isEqualTo(60_000);
        assertThat(test.count()).isEqualTo(10_000);
        assertThat(train.rows()).isEqualTo(28);
        assertThat(train.cols()).isEqualTo(28);
        int[] perClass = new int[10];
        for (int label : train.labels()) {
            perClass[label]++;
        }
        assertThat(perClass).containsOnly(6_000);
        float min = 1;
        float max = 0;
        for (int i = 0; i < 100; i++) {
            for (float p : test.image(i)) {
                min = Math.min(min, p);
                max = Math.max(max, p);
            }
        }
        assertThat(min).isEqualTo(0f);
        assertThat(max).isEqualTo(1f);
        assertThat(test.label(0)).isEqualTo(9); // the first test image is an ankle boot
        assertThat(FashionMnist.CLASS_NAMES.get(test.label(0))).isEqualTo("Ankle boot");
    }

    @Test
    void readsGzippedAndPlainIdxFilesAlike() throws IOException {
        writeSmallTestSplit(true);
        LabelledImages gzipped = FashionMnist.load(dir, Split.TEST);
        Files.delete(dir.resolve("t10k-images-idx3-ubyte.gz"));
        Files.delete(dir.resolve("t10k-labels-idx1-ubyte.gz"));
        writeSmallTestSplit(false);
        LabelledImages plain = FashionMnist.load(dir, Split.TEST);

        assertThat(plain).isEqualTo(gzipped);
        assertThat(plain.labels()).containsExactly(9, 0, 4);
        assertThat(plain.pixel(0, 0, 1)).isEqualTo(1 / 255f);
        assertThat(plain.pixel(0, 9, 3)).isEqualTo(1f);
        float[] batch = new float[2 * 784];
        plain.copyImage(1, batch, 784);
        assertThat(Arrays.copyOfRange(batch, 784, 2 * 784)).containsExactly(plain.image(1));
    }

    @Test
    void missingFilesSayWhereItLookedAndHowToFixIt() {
        Path missing = dir.resolve("nowhere");

        assertThatThrownBy(() -> FashionMnist.load(missing, Split.TRAIN))
                .isInstanceOf(DatasetNotFoundException.class)
                .hasMessageContaining(missing.resolve("train-images-idx3-ubyte.gz").toString())
                .hasMessageContaining("apt-get install dataset-fashion-mnist")
                .hasMessageContaining("dataset.dir")
                .hasMessageContaining("DISTILL_DATASET_DIR");
    }

    @Test
    void truncatedImageFileIsATypedErrorNamingTheFile() throws IOException {
        writeSmallTestSplit(false);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        byte[] full = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(full, full.length - 10));

        assertThatThrownBy(() -> FashionMnist.load(dir, Split.TEST))
                .isInstanceOfSatisfying(DatasetFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED))
                .hasMessageContaining(images.toString())
                .hasMessageContaining("truncated")
                .hasMessageContaining("header announces 2352 data bytes, file holds 2342");
    }

    @Test
    void truncatedGzipStreamIsATypedError() throws IOException {
        writeSmallTestSplit(true);
        Path images = dir.resolve("t10k-images-idx3-ubyte.gz");
        byte[] full = Files.readAllBytes(images);
        Files.write(images, Arrays.copyOf(full, full.length / 2));

        assertThatThrownBy(() -> FashionMnist.load(dir, Split.TEST))
                .isInstanceOfSatisfying(DatasetFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED))
                .hasMessageContaining(images.toString());
    }

    @Test
    void fileEndingInsideTheHeaderIsTruncated() throws IOException {
        writeSmallTestSplit(false);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[] {0, 0, 8, 1, 0});

        assertThatThrownBy(() -> FashionMnist.load(dir, Split.TEST))
                .isInstanceOfSatisfying(DatasetFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED))
                .hasMessageContaining("file ends before its dimension 0");
    }

    @Test
    void swappedImageAndLabelFilesFailOnMagicNumber() throws IOException {
        writeSmallTestSplit(false);
        Path images = dir.resolve("t10k-images-idx3-ubyte");
        Path labels = dir.resolve("t10k-labels-idx1-ubyte");
        byte[] imageBytes = Files.readAllBytes(images);
        Files.write(images, Files.readAllBytes(labels));
        Files.write(labels, imageBytes);

        assertThatThrownBy(() -> FashionMnist.load(dir, Split.TEST))
                .isInstanceOfSatisfying(DatasetFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRONG_MAGIC))
                .hasMessageContaining("magic number 0x00000801, expected 0x00000803");
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        writeSmallTestSplit(false);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(1, new int[] {2}, new byte[] {1, 2}));

        assertThatThrownBy(() -> FashionMnist.load(dir, Split.TEST))
                .isInstanceOfSatisfying(DatasetFormatException.class, e -> assertThat(e.reason()).isEqualTo(Reason.COUNT_MISMATCH))
                .hasMessageContaining("holds 3 images but")
                .hasMessageContaining("holds 2 labels");
    }

    @Test
    void labelsOutsideTheTenClassesAreRejected() throws IOException {
        writeSmallTestSplit(false);
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(1, new int[] {3}, new byte[] {1, 10, 2}));

        assertThatThrownBy(() -> FashionMnist.load(dir, Split.TEST))
                .isInstanceOfSatisfying(DatasetFormatException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.LABEL_OUT_OF_RANGE))
                .hasMessageContaining("label of image 1 is 10, expected 0..9");
    }

    @Test
    void resolvesDirectoryFromConfigThenEnvironmentThenDefault() {
        Map<String, String> env = Map.of(FashionMnist.ENV_VAR, "/from/env");

        assertThat(FashionMnist.resolveDir("/from/config", env)).isEqualTo(Path.of("/from/config"));
        assertThat(FashionMnist.resolveDir(" ", env)).isEqualTo(Path.of("/from/env"));
        assertThat(FashionMnist.resolveDir(null, Map.of())).isEqualTo(FashionMnist.DEFAULT_DIR);
    }

    @Test
    void classNamesCoverTheTenLabels() {
        assertThat(FashionMnist.CLASS_NAMES).hasSize(FashionMnist.NUM_CLASSES).startsWith("T-shirt/top").endsWith("Ankle boot");
    }
}
