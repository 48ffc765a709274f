package dev.distill.student.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.distill.common.event.Label;
import dev.distill.common.serde.MalformedRecordException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TrainingExampleCodecTest {

    private final TrainingExampleCodec codec = new TrainingExampleCodec();

    private static final String ID = "e-ü-1";
    private static final byte[] KEY = ID.getBytes(StandardCharsets.UTF_8);
    private static final long TS = 1_700_000_000_000L;
    private static final int PARTITION = 3;
    private static final long OFFSET = 123_456_789_012L;
    private static final TeacherOutput TEACHER_A = new TeacherOutput("teacher-a", "v7", 0.75f,
            new float[] {1.5f, -2f, 0.25f});
    private static final TeacherOutput TEACHER_B = new TeacherOutput("tb", "2026-11-23T20:00", 0.25f,
            new float[] {0f, 9f, -9f});

    @Test
    void roundTripsASoftExampleWithTwoTeachers() {
        // Given
        TrainingExample soft = TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A, TEACHER_B));

        // When
        TrainingExample decoded = codec.decode(KEY, codec.encode(soft));

        // Then
        assertThat(decoded).isEqualTo(soft);
        assertThat(decoded.kind()).isEqualTo(TrainingExample.Kind.SOFT);
        assertThat(decoded.hasLabel()).isFalse();
        assertThat(decoded.eventPartition()).isEqualTo(PARTITION);
        assertThat(decoded.eventOffset()).isEqualTo(OFFSET);
        assertThat(decoded.teacher("tb").logits()).containsExactly(0f, 9f, -9f);
        assertThat(decoded.teacher("teacher-a").weight()).isEqualTo(0.75f);
    }

    @Test
    void roundTripsALabelledExampleWithoutTeachers() {
        // Given
        TrainingExample labelled = TrainingExample.labelled(ID, TS, 0, 0, List.of(), new Label(2, 1_700_000_005_000L));

        // When
        TrainingExample decoded = codec.decode(KEY, codec.encode(labelled));

        // Then
        assertThat(decoded).isEqualTo(labelled);
        assertThat(decoded.label()).isEqualTo(2);
        assertThat(decoded.labelTimestamp()).isEqualTo(1_700_000_005_000L);
        assertThat(decoded.teachers()).isEmpty();
    }

    @Test
    void writesLittleEndianWithMagicVersionAndTheEventsPositionNotItsFeatures() {
        // Given
        byte[] bytes = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A)));

        // When
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);

        // Then
        assertThat(bytes[0]).isEqualTo(TrainingExampleCodec.MAGIC_0);
        assertThat(bytes[1]).isEqualTo(TrainingExampleCodec.MAGIC_1);
        assertThat(bytes[2]).isEqualTo(TrainingExampleCodec.VERSION);
        assertThat(bytes[3]).isEqualTo((byte) 'S');
        assertThat(b.getLong(4)).isEqualTo(TS);
        assertThat(b.getLong(12)).isEqualTo(OFFSET);
        assertThat(b.getInt(20)).isEqualTo(PARTITION);
        // header, one teacher's names and three logits: a few dozen bytes, whatever the event's size; the id is the key
        assertThat(bytes).hasSize(28 + TrainingExampleCodec.align(12 + "teacher-a".length() + 2) + 12);
    }

    @Test
    void rejectsEveryTruncationWithTypedError() {
        // Given
        byte[] bytes = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A, TEACHER_B)));

        for (int length = 0; length < bytes.length; length++) {
            byte[] cut = Arrays.copyOf(bytes, length);

            // When
            Throwable thrown = catchThrowable(() -> codec.decode(KEY, cut));

            // Then
            assertThat(thrown).as("length %d", length).isInstanceOf(MalformedRecordException.class);
        }
    }

    @Test
    void rejectsTrailingBytesUnknownVersionAndForeignMagic() {
        byte[] bytes = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A)));

        byte[] trailing = Arrays.copyOf(bytes, bytes.length + 1);
        assertThatThrownBy(() -> codec.decode(KEY, trailing)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("trailing");

        byte[] version = bytes.clone();
        version[2] = 9;
        assertThatThrownBy(() -> codec.decode(KEY, version)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("version 9");

        byte[] json = "{\"id\":\"e-1\"}".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> codec.decode(KEY, json)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("magic");
    }

    @Test
    void rejectsAVersionOneFrameWithFeaturesAndSaysHowToMoveOn() {
        byte[] bytes = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A)));
        bytes[2] = 1;

        assertThatThrownBy(() -> codec.decode(KEY, bytes)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("version 1 carried the features")
                .hasMessageContaining("fresh student.application.id");
    }

    @Test
    void rejectsNaNPatchedIntoTheLogitsAndANegativePositionWithTypedErrors() {
        // Given a valid frame whose first logit is overwritten with NaN
        byte[] bytes = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A)));
        int logitsAt = bytes.length - 12;
        byte[] nan = bytes.clone();
        ByteBuffer.wrap(nan).order(ByteOrder.LITTLE_ENDIAN).putFloat(logitsAt, Float.NaN);
        byte[] negative = bytes.clone();
        ByteBuffer.wrap(negative).order(ByteOrder.LITTLE_ENDIAN).putLong(12, -5L);

        // When / Then
        assertThatThrownBy(() -> codec.decode(KEY, nan)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("finite");
        assertThatThrownBy(() -> codec.decode(KEY, negative)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("position");
    }

    @Test
    void throwsOnlyMalformedRecordExceptionForRandomAndMutatedBytes() {
        Random random = new Random(42);
        byte[] valid = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A, TEACHER_B)));
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

            Throwable thrown = catchThrowable(() -> codec.decode(KEY, bytes));

            assertThat(thrown).as("input %d", i).satisfiesAnyOf(
                    t -> assertThat(t).isNull(),
                    t -> assertThat(t).isInstanceOf(MalformedRecordException.class));
        }
    }

    @Test
    void takesTheEventIdFromTheKeyAndRejectsAMissingOne() {
        byte[] value = codec.encode(TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of(TEACHER_A)));

        assertThat(codec.decode("other".getBytes(StandardCharsets.UTF_8), value).eventId()).isEqualTo("other");
        assertThatThrownBy(() -> codec.decode(null, value)).isInstanceOf(MalformedRecordException.class)
                .hasMessageContaining("no key");
        assertThatThrownBy(() -> codec.decode(new byte[0], value)).isInstanceOf(MalformedRecordException.class);
    }

    @Test
    void rejectsASoftExampleWithoutTeachersAtConstruction() {
        assertThatThrownBy(() -> TrainingExample.soft(ID, TS, PARTITION, OFFSET, List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs teacher logits");
    }
}
