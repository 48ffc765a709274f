package dev.distill.deploy.drift;

import ai.djl.Model;
import dev.distill.common.data.DriftScenario;
import dev.distill.common.data.LabelledImages;
import dev.distill.common.model.Architecture;
import dev.distill.common.model.Architectures;
import dev.distill.common.model.Models;
import dev.distill.deploy.drift.DriftReport.Accuracy;

/** Scores parameter sets on the clean test split and on its drifted copy (built once). */
public final class DriftEvaluation {

    private final LabelledImages clean;
    private final LabelledImages drifted;

    /** @param test the clean test split; the drifted one is {@code scenario.applyTo(test)} */
    public DriftEvaluation(LabelledImages test, DriftScenario scenario) {
        this.clean = test;
        this.drifted = scenario.applyTo(test);
    }

    public Accuracy accuracy(String architecture, byte[] parameters) {
        Architecture arch = Architectures.parse(architecture);
        try (Model model = Models.loadModel(arch, "drift-eval", parameters)) {
            return new Accuracy(Models.accuracy(model, arch, clean), Models.accuracy(model, arch, drifted));
        }
    }
}
