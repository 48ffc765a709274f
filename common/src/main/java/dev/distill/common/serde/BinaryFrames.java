package dev.distill.common.serde;

import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.ByteBuffer;

/** Constants and helpers of the binary frame shared by all binary encodings (see docs/wire-format.md). */
final class BinaryFrames {
    private BinaryFrames() {}

    static final byte MAGIC_0 = (byte) 0xD1;
    static final byte MAGIC_1 = (byte) 0x57;
    static final byte VERSION = 1;
    static final byte KIND_EVENT = 'E';
    static final byte KIND_LOGITS = 'L';
    static final int PREAMBLE = 4;

    static boolean hasMagic(byte[] bytes) {
        return bytes.length >= 2 && bytes[0] == MAGIC_0 && bytes[1] == MAGIC_1;
    }

    /** The frame is {@code frame[position, limit)}; nothing is moved. */
    static boolean hasMagic(ByteBuffer frame) {
        int at = frame.position();
        return frame.remaining() >= 2 && frame.get(at) == MAGIC_0 && frame.get(at + 1) == MAGIC_1;
    }

    static String kindName(byte kind) {
        return switch (kind) {
            case KIND_EVENT -> "an event";
            case KIND_LOGITS -> "teacher logits";
            default -> String.format("an unknown record kind 0x%02X", kind & 0xFF);
        };
    }

    /** Checks magic, version and kind. */
    static void checkPreamble(byte[] bytes, byte expectedKind, String what) {
        checkPreamble(ByteBuffer.wrap(bytes), expectedKind, what);
    }

    /** Checks magic, version and kind of the frame {@code frame[position, limit)}; nothing is moved. */
    static void checkPreamble(ByteBuffer frame, byte expectedKind, String what) {
        int at = frame.position();
        if (frame.remaining() < PREAMBLE) {
            throw new MalformedRecordException(Reason.TRUNCATED, what + " binary frame: " + frame.remaining()
                    + " bytes, too short for the 4-byte preamble (magic D1 57, version, kind)");
        }
        if (!hasMagic(frame)) {
            throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, what + ": header " + Encoding.HEADER
                    + "=binary but the value does not start with the binary magic D1 57 (it starts with "
                    + describeStart(frame) + ")");
        }
        if (frame.get(at + 2) != VERSION) {
            throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, what + " binary frame: version "
                    + (frame.get(at + 2) & 0xFF) + " is not supported (this reader knows version " + VERSION + ")");
        }
        if (frame.get(at + 3) != expectedKind) {
            throw new MalformedRecordException(Reason.WRONG_TYPE, what + " binary frame holds "
                    + kindName(frame.get(at + 3)) + ", expected " + kindName(expectedKind) + "; check the topic");
        }
    }

    static String describeStart(byte[] bytes) {
        return describeStart(ByteBuffer.wrap(bytes));
    }

    static String describeStart(ByteBuffer frame) {
        if (!frame.hasRemaining()) {
            return "nothing";
        }
        int b = frame.get(frame.position()) & 0xFF;
        String hint = b == '{' ? ", looks like JSON" : "";
        return String.format("0x%02X%s", b, hint);
    }

    /** Zero bytes needed after {@code offset} so that the next field starts at a multiple of 4. */
    static int padding(int offset) {
        return (4 - (offset & 3)) & 3;
    }
}
