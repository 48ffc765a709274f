package dev.distill.common.serde;

import java.util.Objects;

/**
 * A record value that cannot be turned into a valid wire record. The only exception the decoders throw: a poll loop
 * catches it and dead-letters the record (see {@code dev.distill.common.kafka.DeadLetters}).
 */
public class MalformedRecordException extends RuntimeException {

    /** Why a record was rejected; bounded, so it is safe as a metric tag. */
    public enum Reason {
        /** No value at all (null or empty). */
        EMPTY,
        /** Not syntactically valid JSON. */
        NOT_JSON,
        /** Ends before the frame or document is complete. */
        TRUNCATED,
        /** A required field is absent. */
        MISSING_FIELD,
        /** A field has the wrong JSON type, or a binary frame holds another kind of record. */
        WRONG_TYPE,
        /** Tensor shape, number of features or number of classes differs from what is expected. */
        WRONG_SHAPE,
        /** NaN or infinite value. */
        NON_FINITE,
        /** Class label outside {@code [0, numClasses)}. */
        LABEL_OUT_OF_RANGE,
        /** Larger than the configured maximum record size, or a JSON limit (nesting, number length) is exceeded. */
        OVERSIZED,
        /** Encoding header unknown, or the header and the bytes disagree (a mislabelled record). */
        UNKNOWN_ENCODING,
        /** Syntactically fine but the value is not allowed (negative timestamp, blank id, trailing bytes, ...). */
        BAD_VALUE
    }

    private final Reason reason;

    public MalformedRecordException(Reason reason, String message) {
        this(reason, message, null);
    }

    public MalformedRecordException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public Reason reason() {
        return reason;
    }
}
