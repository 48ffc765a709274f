package dev.distill.common.serde;

import dev.distill.common.serde.MalformedRecordException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/** Value encodings, selected per record by the {@value #HEADER} header; an absent header means {@link #JSON}. */
public enum Encoding {
    JSON("json"),
    BINARY("binary");

    /** Record header that names the value encoding. */
    public static final String HEADER = "distill-encoding";

    private static final Encoding[] VALUES = values();

    private final String headerValue;
    private final byte[] headerBytes;

    Encoding(String headerValue) {
        this.headerValue = headerValue;
        this.headerBytes = headerValue.getBytes(StandardCharsets.UTF_8);
    }

    public String headerValue() {
        return headerValue;
    }

    /** A fresh copy (headers keep the array they are given). */
    public byte[] headerBytes() {
        return headerBytes.clone();
    }

    /** Replaces any {@value #HEADER} header with this encoding. */
    public void writeTo(Headers headers) {
        headers.remove(HEADER);
        headers.add(HEADER, headerBytes());
    }

    /**
     * The encoding the headers announce: the last {@value #HEADER} header, {@link #JSON} when there is none.
     *
     * @throws MalformedRecordException {@link Reason#UNKNOWN_ENCODING} for an unknown value
     */
    public static Encoding of(Headers headers) {
        Header header = headers == null ? null : headers.lastHeader(HEADER);
        if (header == null) {
            return JSON;
        }
        byte[] raw = header.value();
        // exact canonical values first: this runs once per consumed record
        for (Encoding e : VALUES) {
            if (Arrays.equals(raw, e.headerBytes)) {
                return e;
            }
        }
        String value = raw == null ? "" : new String(raw, StandardCharsets.UTF_8).trim().toLowerCase(Locale.ROOT);
        for (Encoding e : values()) {
            if (e.headerValue.equals(value)) {
                return e;
            }
        }
        String shown = value.length() > 40 ? value.substring(0, 40) + "..." : value;
        throw new MalformedRecordException(Reason.UNKNOWN_ENCODING, "header " + HEADER + "=\"" + shown
                + "\" is not a known encoding; use \"json\" (or no header) or \"binary\"");
    }
}
