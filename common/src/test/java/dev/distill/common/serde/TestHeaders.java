package dev.distill.common.serde;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

final class TestHeaders {
    private TestHeaders() {}

    static Headers none() {
        return new RecordHeaders();
    }

    static Headers json() {
        return with(Encoding.HEADER, "json");
    }

    static Headers binary() {
        return with(Encoding.HEADER, "binary");
    }

    static Headers with(String name, String value) {
        Headers h = new RecordHeaders();
        h.add(name, value.getBytes(StandardCharsets.UTF_8));
        return h;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
