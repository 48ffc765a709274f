package dev.distill.deploy.bench;

import dev.distill.testsupport.KafkaFixture;

/** Runs {@link TeacherBench} on the test broker (embedded without Docker): {@code java -cp <test classpath> ...}. */
public final class TeacherBenchRun {

    private TeacherBenchRun() {}

    public static void main(String... args) throws Exception {
        String bootstrap = KafkaFixture.shared().bootstrapServers();
        String[] all = new String[args.length + 1];
        all[0] = bootstrap;
        System.arraycopy(args, 0, all, 1, args.length);
        TeacherBench.main(all);
        System.exit(0);
    }
}
