package dev.distill.teacher.inference;

import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ModelNotFoundException;
import ai.djl.translate.NoopTranslator;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.common.signing.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Loads teacher models from files: TorchScript, or DJL parameters of a registry architecture. */
public final class TeacherModels {

    /** Hex characters of the SHA-256 kept as the model version. */
    public static final int VERSION_LENGTH = 12;

    private static final List<String> TORCHSCRIPT_SUFFIXES = List.of(".pt", ".pth", ".ts", ".torchscript");

    private TeacherModels() {}

    /** How to load a model file: input shape and classes from config, architecture empty for TorchScript. */
    public record Spec(int[] inputShape, int numClasses, String architecture) {
        public Spec {
            inputShape = inputShape.clone();
            architecture = architecture == null ? "" : architecture.strip();
        }

        @Override
        public int[] inputShape() {
            return inputShape.clone();
        }

        int sampleSize() {
            int size = 1;
            for (int d : inputShape) {
                size = Math.multiplyExact(size, d);
            }
            return size;
        }
    }

    public static boolean isTorchScript(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return TORCHSCRIPT_SUFFIXES.stream().anyMatch(name::endsWith);
    }

    /** The file whose bytes are the model: {@code path} itself, or the single *.params file in a directory. */
    public static Path modelFile(Path path) {
        if (!Files.isDirectory(path)) {
            if (!Files.isRegularFile(path)) {
                throw new TeacherModelException("teacher model " + path + " does not exist; set teacher.model to a "
                        + "TorchScript file or a DJL parameter file or directory");
            }
            return path;
        }
        List<Path> params = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(path, "*.params")) {
            files.forEach(params::add);
        } catch (IOException e) {
            throw new TeacherModelException("cannot list teacher model directory " + path + ": " + e.getMessage(), e);
        }
        if (params.size() != 1) {
            throw new TeacherModelException("teacher model directory " + path + " holds " + params.size()
                    + " *.params files " + params + "; it must hold exactly one (or point teacher.model at the file)");
        }
        return params.get(0);
    }

    /** Version of a model file: the first {@value #VERSION_LENGTH} hex characters of its SHA-256. */
    public static String version(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return Sha256.hex(in).substring(0, VERSION_LENGTH);
        } catch (IOException e) {
            throw new TeacherModelException("cannot read teacher model " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Loads the model at {@code path} and checks it on one zero sample, so that a model that does not fit the
     * configured shape or class count is refused at load time, not on the first event.
     */
    public static TeacherModel load(Path path, Spec spec) {
        Path file = modelFile(path);
        TeacherModel model = spec.architecture().isEmpty() ? loadTorchScript(file, spec) : loadParameters(file, spec);
        try {
            model.score(new float[model.sampleSize()], 1);
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw new TeacherModelException("teacher model " + file + " fails on a zero sample of shape "
                    + java.util.Arrays.toString(spec.inputShape()) + ": " + e.getMessage(), e);
        }
    }

    private static TeacherModel loadTorchScript(Path file, Spec spec) {
        if (!isTorchScript(file)) {
            throw new TeacherModelException("teacher model " + file + " is not a TorchScript file (" + TORCHSCRIPT_SUFFIXES
                    + "); for DJL parameters set teacher.architecture, e.g. mlp:784-512-512-10");
        }
        // hash before loading: a file replaced while we load gets a new version at the next check, never a wrong one
        String version = version(file);
        Criteria<NDList, NDList> criteria = Criteria.builder()
                .setTypes(NDList.class, NDList.class)
                .optModelPath(file.toAbsolutePath())
                .optEngine(Models.ENGINE)
                .optTranslator(new NoopTranslator())
                .build();
        Model model;
        try {
            model = criteria.loadModel();
        } catch (ModelNotFoundException | MalformedModelException | IOException | RuntimeException e) {
            throw new TeacherModelException("cannot load TorchScript teacher " + file + ": " + e.getMessage(), e);
        }
        long[] shape = new long[spec.inputShape().length];
        int[] in = spec.inputShape();
        for (int i = 0; i < in.length; i++) {
            shape[i] = in[i];
        }
        return new DjlTeacherModel(model, version, shape, spec.numClasses(), "TorchScript teacher " + file.getFileName());
    }

    private static TeacherModel loadParameters(Path file, Spec spec) {
        Architecture architecture;
        try {
            architecture = Architectures.parse(spec.architecture());
        } catch (IllegalArgumentException e) {
            throw new TeacherModelException("teacher.architecture: " + e.getMessage(), e);
        }
        if (architecture.sampleSize() != spec.sampleSize()) {
            throw new TeacherModelException("teacher architecture " + architecture.spec() + " takes "
                    + architecture.sampleSize() + " values per sample but model.input.shape "
                    + java.util.Arrays.toString(spec.inputShape()) + " has " + spec.sampleSize());
        }
        if (architecture.numClasses() != spec.numClasses()) {
            throw new TeacherModelException("teacher architecture " + architecture.spec() + " has "
                    + architecture.numClasses() + " classes but model.num.classes is " + spec.numClasses());
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new TeacherModelException("cannot read teacher parameters " + file + ": " + e.getMessage(), e);
        }
        String version = Sha256.hex(bytes).substring(0, VERSION_LENGTH);
        Model model;
        try {
            model = Models.loadModel(architecture, "teacher", bytes);
        } catch (RuntimeException e) {
            throw new TeacherModelException("cannot load teacher parameters " + file + " as " + architecture.spec()
                    + ": " + e.getMessage(), e);
        }
        return new DjlTeacherModel(model, version, architecture.sampleShape(), architecture.numClasses(),
                architecture.spec() + " teacher " + file.getFileName());
    }
}
