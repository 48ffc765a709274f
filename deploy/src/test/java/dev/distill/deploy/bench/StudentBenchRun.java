package dev.distill.deploy.bench;

import dev.distill.testsupport.KafkaFixture;

/** Runs {@link StudentBench} on the test broker (embedded without Docker): {@code java -cp <test classpath> ...}. */
public final class StudentBenchRun {

    private StudentBenchRun() {}

    public static void main(String... args) throws Exception {
        String bootstrap = KafkaFixture.shared().bootstrapServers();
        System.out.println(StudentBench.run(bootstrap, StudentBench.Options.defaults()).line());
        System.exit(0);
    }
}
