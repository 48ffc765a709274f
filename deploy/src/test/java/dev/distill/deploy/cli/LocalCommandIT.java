package dev.distill.deploy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.distill.deploy.DistillMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LocalCommandIT {

    @Test
    void localStackStartsABrokerReplaysEventsAndPrintsASummary() {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            code = DistillMain.run("local", "--events", "300", "--rate", "300", "--label-delay", "500ms",
                    "--label-fraction", "1");
        } finally {
            System.setOut(old);
        }
        String printed = out.toString(StandardCharsets.UTF_8);
        System.out.print(printed);

        assertThat(code).isZero();
        assertThat(printed)
                .contains("broker ready at")
                .contains("topics: created [distill.events")
                .contains("[    1s] events")
                .contains("replay-summary events=300 labels=300 labels_unsent=0 send_errors=0")
                .contains("teacher service").contains("not in the local stack yet");
    }
}
