package dev.distill.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchitecturesTest {

    @Test
    void parsesMlpSpecIntoFlatInputAndLogitWidth() {
        Architecture arch = Architectures.parse("mlp:784-512-256-10");

        assertThat(arch).isInstanceOf(MlpArchitecture.class);
        assertThat(arch.spec()).isEqualTo("mlp:784-512-256-10");
        assertThat(arch.sampleShape()).containsExactly(784);
        assertThat(arch.numClasses()).isEqualTo(10);
        assertThat(arch.parameterCount()).isEqualTo(784L * 512 + 512 + 512L * 256 + 256 + 256L * 10 + 10);
    }

    @Test
    void parsesCnnPresetsIntoImageInput() {
        Architecture small = Architectures.parse("cnn:small");
        Architecture tiny = Architectures.parse("cnn:tiny");

        assertThat(small.sampleShape()).containsExactly(1, 28, 28);
        assertThat(small.numClasses()).isEqualTo(10);
        assertThat(small.parameterCount()).isEqualTo(857_738L);
        assertThat(tiny.parameterCount()).isEqualTo(9_098L);
    }

    @Test
    void canonicalisesCaseBlanksAndLeadingZeros() {
        Architecture arch = Architectures.parse("  MLP:0784-128-10 ");

        assertThat(arch.spec()).isEqualTo("mlp:784-128-10");
        assertThat(Architectures.parse(arch.spec())).isEqualTo(arch);
        assertThat(Architectures.parse("CNN:Small").spec()).isEqualTo("cnn:small");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "mlp", "rnn:big", "cnn:huge", "mlp:784", "mlp:784--10", "mlp:784-x-10",
        "mlp:784-0-10", "mlp:784-99999999999-10", "mlp:784-10-"})
    void rejectsUnknownOrMalformedSpecListingKnownForms(String spec) {
        assertThatThrownBy(() -> Architectures.parse(spec))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("architecture spec '" + spec + "'")
                .hasMessageContaining("known forms: mlp:<in>-<hidden>...-<classes>")
                .hasMessageContaining("cnn:small")
                .hasMessageContaining("cnn:tiny");
    }

    @Test
    void rejectsNullSpec() {
        assertThatThrownBy(() -> Architectures.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("spec is empty");
    }
}
