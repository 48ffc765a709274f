package dev.distill.student.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.serde.MalformedRecordException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingExampleCodecTest {

    private final TrainingExampleCodec codec = new TrainingExampleCodec();

    private static final Event EVENT = new Event("e-ü-1", 1_700_000_000_000L, new int[] {2, 3},
            new float[] {0f, 0.5f, -1.25f, 3e-7f, 1e30f, -0f});
    private static final TeacherOutput TEACHER_A = new TeacherOutput("teacher-a", "v7", 0.75f,
            new float[] {1.5f, -2f, 0.25f});
    private static final TeacherOutput TEACHER_B = new TeacherOutput("tb", "2026-11-23T20:00", 0.25f,
            new float[] {0f, 9f, -9f});

    @Test
    void roundTripsASoftExampleWithTwoTeachers() {
        // Given
        TrainingExample soft = TrainingExample.soft(EVENT, List.of(TEACHER_A, TEACHER_B));

        // When
        TrainingExample decoded = codec.decode(codec.encode(soft));

        // Then
        assertThat(decoded).isEqualTo(soft);
        assertThat(decoded.kind()).isEqualTo(TrainingExample.Kind.SOFT);
        assertThat(decoded.hasLabel()).isFalse();
        assertThat(decoded.features()).containsExactly(EVENT.features());
        assertThat(decoded.teacher("tb").logits()).containsExactly(0f, 9f, -9f);
        assertThat(decoded.teacher("teacher-a").weight()).isEqualTo(0.75f);
    }

    @Test
    void roundTripsALabelledExampleWithoutTeachers() {
        // Given
        TrainingExample labelled = TrainingExample.labelled(EVENT, List.of(), new Label(2, 1_700_000_005_000L));

        // When
        TrainingExample decoded = codec.decode(codec.encode(labelled));

        // Then
        assertThat(decoded).isEqualTo(labelled);
        assertThat(decoded.label()).isEqualTo(2);
        assertThat(decoded.labelTimestamp()).isEqualTo(1_700_000_005_000L);
        assertThat(decoded.teachers()).isEmpty();
    }

    @Test
    void writesLittleEndianWithMagicVersionAndAlignedFeatures() {
        // Given
        byte[] bytes = codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A)));

        // When
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

        // Then
        assertThat(bytes[0]).isEqualTo(TrainingExampleCodec.MAGIC_0);
        assertThat(bytes[1]).isEqualTo(TrainingExampleCodec.MAGIC_1);
        assertThat(bytes[2]).isEqualTo(TrainingExampleCodec.VERSION);
        assertThat(bytes[3]).isEqualTo((byte) 'S');
        assertThat(b.getLong(4)).isEqualTo(EVENT.timestamp());
        int idBytes = "e-ü-1".getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        int featuresAt = TrainingExampleCodec.align(28 + 8 + idBytes);
        assertThat(featuresAt % 4).isZero();
        assertThat(b.getFloat(featuresAt + 4)).isEqualTo(0.5f);
    }

    @Test
    void rejectsEveryTruncationWithTypedError() {
        // Given
        byte[] bytes = codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A, TEACHER_B)));

        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(bytes, length);

            // When
            Throwable thrown = catchThrowable(() -> codec.decode(cut));

            // Then
            assertThat(thrown).as("length %d", length).isInstanceOf(MalformedRecordException.class);
        }
    }

    @Test
    void rejectsTrailingBytesUnknownVersionAndForeignMagic() {
        byte[] bytes = codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A)));

        byte[] trailing = java.util.Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> codec.decode(trailing)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("trailing");

        byte[] version = bytes.clone();
        version[2] = 9;
        assertThatThrownBy(() -> codec.decode(version)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("version 9");

        byte[] json = "{\"id\":\"e-1\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(json)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("magic");
    }

    @Test
    void rejectsNaNPatchedIntoTheFeaturesWithTypedError() {
        // Given a valid frame whose feature 0.5 is overwritten with NaN
        byte[] bytes = codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A)));
        int featuresAt = TrainingExampleCodec.align(28 + 8 + "e-ü-1".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(featuresAt + 4, Float.NaN);

        // When / Then
        assertThatThrownBy(() -> codec.decode(bytes)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("finite");
    }

    @Test
    void throwsOnlyMalformedRecordExceptionForRandomAndMutatedBytes() {
        Random random = new Random(42);
        byte[] valid = codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A, TEACHER_B)));
        for (int i = 0; i < 5_000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = valid.clone();
                for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
                    input[random.nextInt(input.length)] = (byte) random.nextInt(256);
                }
            } else {
                input = new byte[random.nextInt(200)];
                random.nextBytes(input);
                if (input.length > 3) {
                    input[0] = TrainingExampleCodec.MAGIC_0;
                    input[1] = TrainingExampleCodec.MAGIC_1;
                    input[2] = TrainingExampleCodec.VERSION;
                    input[3] = (byte) 'L';
                }
            }
            byte[] bytes = input;

            Throwable thrown = catchThrowable(() -> codec.decode(bytes));

            assertThat(thrown).as("input %d", i).satisfiesAnyOf(
                    t -> assertThat(t).isNull(),
                    t -> assertThat(t).isInstanceOf(MalformedRecordException.class));
        }
    }

    @Test
    void decodeIntoWritesTheFeaturesIntoTheCallersRowAndKeepsTheRest() {
        // Given a labelled example and a batch buffer with room for three rows
        TrainingExample labelled = TrainingExample.labelled(EVENT, List.of(TEACHER_A, TEACHER_B),
                new Label(2, 1_700_000_005_000L));
        float[] batch = new float[3 * 6];
        java.util.Arrays.fill(batch, 7f);

        // When it is decoded into the second row
        TrainingExampleCodec.Head head = codec.decodeInto(codec.encode(labelled), batch, 6, 6);

        // Then the row holds its features, the other rows are untouched, and the head carries everything else
        assertThat(java.util.Arrays.copyOfRange(batch, 6, 12)).containsExactly(EVENT.features());
        assertThat(java.util.Arrays.copyOfRange(batch, 0, 6)).containsOnly(7f);
        assertThat(java.util.Arrays.copyOfRange(batch, 12, 18)).containsOnly(7f);
        assertThat(head).isEqualTo(new TrainingExampleCodec.Head(labelled.eventId(), labelled.eventTimestamp(),
                labelled.teachers(), 2, 1_700_000_005_000L, TrainingExample.Kind.LABELLED));
        assertThat(head.hasLabel()).isTrue();
    }

    @Test
    void decodeIntoRejectsAnotherFeatureCountAsWrongShape() {
        byte[] bytes = codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A)));

        Throwable thrown = catchThrowable(() -> codec.decodeInto(bytes, new float[8], 0, 8));

        assertThat(thrown).isInstanceOf(MalformedRecordException.class).hasMessageContaining("expected 8 features, got 6");
        assertThat(((MalformedRecordException) thrown).reason()).isEqualTo(MalformedRecordException.Reason.WRONG_SHAPE);
    }

    @Test
    void decodeIntoAcceptsAndRejectsExactlyWhatDecodeDoesWithTheSameReasonAndMessage() {
        // Given valid frames of both kinds, mutated at random bytes (and a few semantic mutations: NaN, bad label)
        Random random = new Random(7);
        byte[][] valid = {
                codec.encode(TrainingExample.soft(EVENT, List.of(TEACHER_A, TEACHER_B))),
                codec.encode(TrainingExample.labelled(EVENT, List.of(TEACHER_A), new Label(1, 5L))),
                codec.encode(TrainingExample.labelled(EVENT, List.of(), new Label(0, 5L)))};
        int rejected = 0;
        for (int i = 0; i < 6_000; i++) {
            byte[] bytes = valid[i % valid.length].clone();
            for (int flips = i < 30 ? 0 : 1 + random.nextInt(3); flips > 0; flips--) {
                bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            }

            // When both decode it
            Throwable byDecode = catchThrowable(() -> codec.decode(bytes));
            float[] row = new float[6];
            Throwable byDecodeInto = catchThrowable(() -> codec.decodeInto(bytes, row, 0, 6));

            // Then they agree on the outcome (a different feature count is decodeInto's own WRONG_SHAPE)
            if (byDecode == null) {
                TrainingExample e = codec.decode(bytes);
                if (e.featureCount() == 6) {
                    assertThat(byDecodeInto).as("input %d", i).isNull();
                    assertThat(row).containsExactly(e.features());
                } else {
                    assertThat(((MalformedRecordException) byDecodeInto).reason())
                            .isEqualTo(MalformedRecordException.Reason.WRONG_SHAPE);
                }
            } else {
                rejected++;
                assertThat(byDecodeInto).as("input %d", i).isInstanceOf(MalformedRecordException.class);
                MalformedRecordException a = (MalformedRecordException) byDecode;
                MalformedRecordException b = (MalformedRecordException) byDecodeInto;
                if (!b.getMessage().contains("features, got")) {
                    assertThat(b.reason()).as("input %d", i).isEqualTo(a.reason());
                    assertThat(b.getMessage()).as("input %d", i).isEqualTo(a.getMessage());
                }
            }
        }
        assertThat(rejected).isGreaterThan(1_000);
    }

    @Test
    void rejectsASoftExampleWithoutTeachersAtConstruction() {
        assertThatThrownBy(() -> TrainingExample.soft(EVENT, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs teacher logits");
    }
}
