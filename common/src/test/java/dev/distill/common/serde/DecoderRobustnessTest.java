package dev.distill.common.serde;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.common.event.CheckpointManifest;
import dev.distill.common.event.EdgeStatus;
import dev.distill.common.event.Event;
import dev.distill.common.event.Label;
import dev.distill.common.event.TeacherLogits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.kafka.common.header.Headers;

/**
 * Every decoder, fed arbitrary bytes or damaged valid encodings, either returns a value or throws
 * {@link MalformedRecordException}: nothing else may escape into a poll loop.
 */
class DecoderRobustnessTest {

    private static final String[] JSON_SNIPPETS = {"{", "}", "[", "]", ",", ":", "\"", "-", ".", "e", "0", "1e999",
        "NaN", "-Infinity", "null", "true", "\"x\"", "[[[[[[[[[[[[[[[[[[[[", "99999999999999999999", "\\u0000",
        "\"shape\":[0]", "\"label\":-5", "\u00ff", "\ud800"};
    private static final int[] EXTREME_INTS = {0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE, 0x7FC00000, 0xFFFF,
        65_536, 784, 28};

    private final EventCodec events = new EventCodec(RecordLimits.unchecked().withMaxRecordBytes(1 << 20));
    private final EventCodec fashionEvents = new EventCodec(RecordLimits.of(10, 2, 2));
    private final TeacherLogitsCodec logits = new TeacherLogitsCodec();
    private final TeacherLogitsCodec tenClassLogits = new TeacherLogitsCodec(RecordLimits.unchecked().withNumClasses(10));
    private final LabelCodec labels = new LabelCodec(RecordLimits.unchecked().withNumClasses(10));
    private final CheckpointManifestCodec manifests = new CheckpointManifestCodec();
    private final EdgeStatusCodec statuses = new EdgeStatusCodec();

    // --- arbitrary bytes ------------------------------------------------------------------------------------------

    @Property(tries = 2000)
    void eventDecoderSurvivesArbitraryBytes(@ForAll("anyBytes") byte[] bytes) {
        survives(events, bytes);
        survives(fashionEvents, bytes);
    }

    @Property(tries = 2000)
    void logitsDecoderSurvivesArbitraryBytes(@ForAll("anyBytes") byte[] bytes) {
        survives(logits, bytes);
        survives(tenClassLogits, bytes);
    }

    @Property(tries = 2000)
    void labelDecoderSurvivesArbitraryBytes(@ForAll("anyBytes") byte[] bytes) {
        survives(labels, bytes);
    }

    @Property(tries = 2000)
    void manifestDecoderSurvivesArbitraryBytes(@ForAll("anyBytes") byte[] bytes) {
        survives(manifests, bytes);
    }

    @Property(tries = 2000)
    void edgeStatusDecoderSurvivesArbitraryBytes(@ForAll("anyBytes") byte[] bytes) {
        survives(statuses, bytes);
    }

    // --- damaged valid encodings --------------------------------------------------------------------------------

    @Property(tries = 3000)
    void eventDecoderSurvivesDamagedEncodings(@ForAll("damagedEvents") byte[] bytes) {
        survives(events, bytes);
        survives(fashionEvents, bytes);
    }

    @Property(tries = 3000)
    void logitsDecoderSurvivesDamagedEncodings(@ForAll("damagedLogits") byte[] bytes) {
        survives(logits, bytes);
        survives(tenClassLogits, bytes);
    }

    @Property(tries = 2000)
    void labelDecoderSurvivesDamagedEncodings(@ForAll("damagedLabels") byte[] bytes) {
        survives(labels, bytes);
    }

    @Property(tries = 2000)
    void manifestDecoderSurvivesDamagedEncodings(@ForAll("damagedManifests") byte[] bytes) {
        survives(manifests, bytes);
    }

    @Property(tries = 2000)
    void edgeStatusDecoderSurvivesDamagedEncodings(@ForAll("damagedStatuses") byte[] bytes) {
        survives(statuses, bytes);
    }

    private static <T> void survives(RecordCodec<T> codec, byte[] bytes) {
        for (Headers headers : new Headers[] {null, TestHeaders.none(), TestHeaders.json(), TestHeaders.binary(),
            TestHeaders.with(Encoding.HEADER, "\u00e9\u0000")}) {
            try {
                T value = codec.decode(bytes, headers);
                assertThat(value).isNotNull();
                // whatever decodes must encode again
                assertThat(codec.encode(value, Encoding.JSON)).isNotEmpty();
            } catch (MalformedRecordException e) {
                assertThat(e.reason()).isNotNull();
                assertThat(e.getMessage()).isNotBlank();
            }
        }
        try {
            assertThat(codec.decodeWithoutHeaders(bytes)).isNotNull();
        } catch (MalformedRecordException e) {
            assertThat(e.getMessage()).isNotBlank();
        }
    }

    // --- generators ---------------------------------------------------------------------------------------------

    @Provide
    Arbitrary<byte[]> anyBytes() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        // half of them start like a binary frame so that the frame parser is exercised, not just the magic check
        Arbitrary<byte[]> framed = Combinators.combine(Arbitraries.of((byte) 'E', (byte) 'L', (byte) 'X'), random)
                .as((kind, tail) -> {
                    byte[] b = new byte[4 + tail.length];
                    b[0] = (byte) 0xD1;
                    b[1] = 0x57;
                    b[2] = 1;
                    b[3] = kind;
                    System.arraycopy(tail, 0, b, 4, tail.length);
                    return b;
                });
        Arbitrary<byte[]> jsonish = Arbitraries.of(JSON_SNIPPETS).list().ofMaxSize(30)
                .map(parts -> String.join("", parts).getBytes(StandardCharsets.UTF_8));
        return Arbitraries.oneOf(random, framed, jsonish);
    }

    @Provide
    Arbitrary<byte[]> damagedEvents() {
        List<byte[]> seeds = new ArrayList<>();
        for (Event e : List.of(new Event("e-1", 1_700_000_000_000L, new int[] {2, 2}, new float[] {0f, 0.5f, 1f, -2f}),
                new Event("\u00e9v\u00e9nement-\ud83d\ude00", 0L, new int[] {3}, new float[] {1e-30f, 3e38f, -0f}),
                new Event("x", 5L, new int[] {1, 2, 1}, new float[] {1f, 2f}))) {
            seeds.add(events.encode(e, Encoding.JSON));
            seeds.add(events.encode(e, Encoding.BINARY));
        }
        return damaged(seeds);
    }

    @Provide
    Arbitrary<byte[]> damagedLogits() {
        List<byte[]> seeds = new ArrayList<>();
        for (TeacherLogits t : List.of(TeacherLogits.dense("t1", "3", 9L, new float[] {1f, -1f, 0.25f}),
                TeacherLogits.sparse("llm", "v", 9L, 1000, new int[] {999, 0}, new float[] {3f, 2f}))) {
            seeds.add(logits.encode(t, Encoding.JSON));
            seeds.add(logits.encode(t, Encoding.BINARY));
        }
        return damaged(seeds);
    }

    @Provide
    Arbitrary<byte[]> damagedLabels() {
        return damaged(List.of(labels.encode(new Label(3, 1_700_000_000_000L), Encoding.JSON)));
    }

    @Provide
    Arbitrary<byte[]> damagedManifests() {
        CheckpointManifest m = new CheckpointManifest("student", 3, "mlp", 1L, Map.of("accuracy", 0.5), "ab".repeat(32),
                10, 1, 50, "k", "c2ln");
        return damaged(List.of(manifests.encode(m, Encoding.JSON)));
    }

    @Provide
    Arbitrary<byte[]> damagedStatuses() {
        EdgeStatus s = new EdgeStatus("edge-1", "student", 3, EdgeStatus.Status.SERVING, 1L, Map.of("p", 1.0), "ok");
        return damaged(List.of(statuses.encode(s, Encoding.JSON)));
    }

    /** A valid encoding with one to four edits: bit flips, byte sets, 32-bit overwrites, cuts, inserts, JSON tokens. */
    private static Arbitrary<byte[]> damaged(List<byte[]> seeds) {
        Arbitrary<Edit> edit = Combinators.combine(
                Arbitraries.integers().between(0, 7),
                Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 255),
                Arbitraries.integers().between(1, 40))
                .as(Edit::new);
        return Combinators.combine(Arbitraries.of(seeds), edit.list().ofMinSize(1).ofMaxSize(4))
                .as((seed, edits) -> {
                    byte[] b = seed.clone();
                    for (Edit e : edits) {
                        b = e.apply(b);
                    }
                    return b;
                });
    }

    private record Edit(int kind, int position, int value, int length) {
        byte[] apply(byte[] b) {
            int at = b.length == 0 ? 0 : position % b.length;
            return switch (kind) {
                case 0 -> set(b, at, (byte) (b.length == 0 ? 0 : b[at] ^ (1 << (value & 7))));
                case 1 -> set(b, at, (byte) value);
                case 2 -> Arrays.copyOf(b, at); // truncate
                case 3 -> { // extend with noise
                    byte[] out = Arrays.copyOf(b, b.length + length);
                    Arrays.fill(out, b.length, out.length, (byte) value);
                    yield out;
                }
                case 4 -> { // delete a range
                    int end = Math.min(b.length, at + length);
                    byte[] out = new byte[b.length - (end - at)];
                    System.arraycopy(b, 0, out, 0, at);
                    System.arraycopy(b, end, out, at, b.length - end);
                    yield out;
                }
                case 5 -> insert(b, at, JSON_SNIPPETS[value % JSON_SNIPPETS.length].getBytes(StandardCharsets.UTF_8));
                case 6 -> { // overwrite a little-endian int32 with an extreme value (lengths, dims, counts)
                    if (b.length < 4) {
                        yield b;
                    }
                    byte[] out = b.clone();
                    int v = EXTREME_INTS[value % EXTREME_INTS.length];
                    int p = Math.min(at, b.length - 4);
                    if ((value & 1) == 0) {
                        p &= ~3; // frame fields sit at 4-byte offsets
                    }
                    for (int i = 0; i < 4; i++) {
                        out[p + i] = (byte) (v >>> (8 * i));
                    }
                    yield out;
                }
                default -> { // duplicate a range
                    int end = Math.min(b.length, at + length);
                    yield insert(b, at, Arrays.copyOfRange(b, at, end));
                }
            };
        }

        private static byte[] set(byte[] b, int at, byte v) {
            if (b.length == 0) {
                return b;
            }
            byte[] out = b.clone();
            out[at] = v;
            return out;
        }

        private static byte[] insert(byte[] b, int at, byte[] piece) {
            byte[] out = new byte[b.length + piece.length];
            System.arraycopy(b, 0, out, 0, at);
            System.arraycopy(piece, 0, out, at, piece.length);
            System.arraycopy(b, at, out, at + piece.length, b.length - at);
            return out;
        }
    }
}
