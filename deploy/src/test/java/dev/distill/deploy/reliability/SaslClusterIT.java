package dev.distill.deploy.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.distill.common.config.DistillConfig;
import dev.distill.common.signing.Ed25519Keys;
import dev.distill.deploy.reliability.HostileInputStack.KcatResult;
import dev.distill.edge.EdgeAgent;
import dev.distill.edge.EdgeAgentMain;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.student.config.StudentServiceConfig;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.streams.KafkaStreams;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack against a broker whose client listener requires SASL/PLAIN over TLS (SASL_SSL, a self-signed certificate
 * made with keytool): teacher, student (Streams, admin, dead-letter and publisher producers) and the edge agent's
 * status producer all authenticate from configuration; a client without credentials, or with a wrong password, is
 * refused; the update API wants its bearer token; neither the signing key nor any other secret reaches the log.
 */
class SaslClusterIT {

    private static final String USER = "distill";
    private static final int EVENTS = 24;

    @TempDir
    Path dir;

    @BeforeAll
    static void kcatIsInstalled() {
        HostileInputStack.assertKcatInstalled();
    }

    @Test
    void servicesAndEdgeAgentWorkOverSaslWhileAClientWithoutCredentialsIsRefused() throws Exception {
        String password = "pw-" + UUID.randomUUID();
        String apiToken = "token-" + UUID.randomUUID();
        String storePassword = "store-" + UUID.randomUUID();
        Path keyStore = dir.resolve("broker.p12");
        Path brokerCert = dir.resolve("broker.pem");
        selfSignedLocalhostCertificate(keyStore, storePassword, brokerCert);
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder()
                .optSaslPlain(Map.of(USER, password)).optTls(keyStore, storePassword).build().start()) {
            Map<String, String> security = broker.clientSecurityProperties(USER, password);
            // Given services configured with kafka.security.protocol / sasl.mechanism / sasl.jaas.config, an update
            // API token, and a signing key that already exists as files
            Map<String, String> settings = HostileInputStack.settings(broker.bootstrapServers(), dir,
                    HostileInputStack.untrainedTeacher(dir.resolve("teacher")));
            security.forEach((k, v) -> settings.put(DistillConfig.KAFKA_PREFIX + k, v));
            settings.put(DistillConfig.HTTP_PORT, "0");
            settings.put(StudentServiceConfig.UPDATE_API_TOKEN, apiToken);
            settings.put(StudentServiceConfig.CHECKPOINT_EVERY_EXAMPLES, "16");
            settings.put(StudentServiceConfig.GATE_MIN_LABELS, "1");
            StudentServiceConfig studentConfig = new StudentServiceConfig(settings);
            KeyPair keys = Ed25519Keys.generate();
            Files.createDirectories(studentConfig.signingKey().getParent());
            Ed25519Keys.writePrivateKey(keys.getPrivate(), studentConfig.signingKey());
            Ed25519Keys.writePublicKey(keys.getPublic(), studentConfig.signingPublicKey());

            ByteArrayOutputStream log = new ByteArrayOutputStream();
            PrintStream originalErr = System.err;
            PrintStream originalOut = System.out;
            System.setErr(new PrintStream(new Tee(originalErr, log), true, StandardCharsets.UTF_8));
            System.setOut(new PrintStream(new Tee(originalOut, log), true, StandardCharsets.UTF_8));
            try (HostileInputStack stack = HostileInputStack.start(settings)) {
                // When events and labels are produced by kcat with credentials
                List<String> tls = List.of("-X", "ssl.ca.location=" + brokerCert);
                List<String> sasl = new ArrayList<>(tls);
                sasl.addAll(List.of("-X", "security.protocol=SASL_SSL", "-X", "sasl.mechanisms=PLAIN",
                        "-X", "sasl.username=" + USER, "-X", "sasl.password=" + password));
                produce(broker, sasl, settings.get(DistillConfig.TOPIC_EVENTS), events(EVENTS));
                produce(broker, sasl, settings.get(DistillConfig.TOPIC_LABELS), labels(EVENTS));

                // Then the teacher scores them and the student joins and trains every one, soft and labelled
                Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> stack.student.trainer().examplesTrained() >= 2L * EVENTS);
                assertThat(stack.student.trainer().examplesTrained()).isEqualTo(2L * EVENTS);
                Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                        .until(() -> stack.student.trainer().lastPublishedVersion() >= 0);

                // and a client without credentials is refused: kcat over TLS without SASL, kcat in plaintext, an Admin
                // without security settings, an Admin over TLS without SASL, an Admin with a wrong password
                long t0 = System.nanoTime();
                List<String> tlsOnly = new ArrayList<>(List.of("-L", "-b", broker.bootstrapServers(), "-m", "3",
                        "-X", "security.protocol=SSL"));
                tlsOnly.addAll(tls);
                KcatResult noCredentials = HostileInputStack.kcat(tlsOnly, null);
                assertThat(noCredentials.exitCode()).as("kcat -L over TLS without SASL: " + noCredentials.output())
                        .isNotZero();
                KcatResult plaintext = HostileInputStack.kcat(List.of("-L", "-b", broker.bootstrapServers(),
                        "-m", "3"), null);
                assertThat(plaintext.exitCode()).as("kcat -L in plaintext: " + plaintext.output()).isNotZero();
                assertThat(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0)).isLessThan(30);
                System.out.printf("sasl-refused kcat over TLS without SASL: exit %d: %s%n", noCredentials.exitCode(),
                        lastLine(noCredentials.output()));
                System.out.printf("sasl-refused kcat in plaintext: exit %d: %s%n", plaintext.exitCode(),
                        lastLine(plaintext.output()));
                assertThatThrownBy(() -> describeCluster(broker, Map.of()))
                        .as("an Admin without security settings gets no metadata")
                        .satisfies(e -> System.out.println("sasl-refused Admin without security settings: " + e));
                Map<String, String> tlsWithoutSasl = new HashMap<>(security);
                tlsWithoutSasl.keySet().removeIf(k -> k.startsWith("sasl."));
                tlsWithoutSasl.put("security.protocol", "SSL");
                assertThatThrownBy(() -> describeCluster(broker, tlsWithoutSasl))
                        .as("an Admin over TLS without SASL gets no metadata")
                        .satisfies(e -> System.out.println("sasl-refused Admin over TLS without SASL: " + e));
                Map<String, String> wrongPassword = new HashMap<>(security);
                wrongPassword.putAll(broker.clientSecurityProperties(USER, "wrong-" + password));
                assertThatThrownBy(() -> describeCluster(broker, wrongPassword))
                        .hasRootCauseInstanceOf(SaslAuthenticationException.class)
                        .satisfies(e -> System.out.println("sasl-refused Admin with a wrong password: " + e));
                List<String> list = new ArrayList<>(List.of("-L", "-b", broker.bootstrapServers(), "-m", "10"));
                list.addAll(sasl);
                KcatResult authenticated = HostileInputStack.kcat(list, null);
                assertThat(authenticated.exitCode()).as("kcat -L with SASL: " + authenticated.output()).isZero();

                // and the update API requires its bearer token
                String manifest = "http://localhost:" + stack.student.httpPort() + "/models/"
                        + studentConfig.modelName() + "/manifest";
                assertThat(get(manifest, null)).isEqualTo(401);
                assertThat(get(manifest, "wrong")).isEqualTo(401);
                assertThat(get(manifest, apiToken)).isEqualTo(200);

                // and an edge agent reports its status over SASL with --kafka-config
                Path kafkaConfig = dir.resolve("edge-kafka.properties");
                StringBuilder props = new StringBuilder("bootstrap.servers=" + broker.bootstrapServers() + "\n");
                security.forEach((k, v) -> props.append(k).append('=').append(v.replace("\\", "\\\\")).append('\n'));
                Files.writeString(kafkaConfig, props);
                Path tokenFile = dir.resolve("token");
                Files.writeString(tokenFile, apiToken);
                try (EdgeAgent agent = EdgeAgentMain.run(new String[] {
                        "--server=http://localhost:" + stack.student.httpPort(), "--model=" + studentConfig.modelName(),
                        "--device-id=sasl-edge-1", "--public-key=" + studentConfig.signingPublicKey(),
                        "--token-file=" + tokenFile, "--poll-seconds=1", "--kafka-config=" + kafkaConfig,
                        "--status-topic=" + settings.get(DistillConfig.TOPIC_EDGE_STATUS)})) {
                    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                            .until(() -> agent.isServing()
                                    && stack.student.fleet().devicesPerVersion()
                                            .containsKey("v" + agent.servingVersion()));
                }

                // and the services never stopped
                assertThat(stack.teacher.isRunning()).isTrue();
                assertThat(stack.teacher.failure()).isEmpty();
                assertThat(stack.student.failure()).isEmpty();
                assertThat(stack.student.streamsState()).isEqualTo(KafkaStreams.State.RUNNING);
            } finally {
                System.setErr(originalErr);
                System.setOut(originalOut);
            }

            // and nothing secret was logged: not the private key (PEM body, PKCS#8 or raw seed), not the SASL
            // password, not the API token; the key's path and id were (so the capture did see the services' log)
            String logged = log.toString(StandardCharsets.UTF_8);
            assertThat(logged).contains("signing checkpoints with Ed25519 key");
            byte[] pkcs8 = keys.getPrivate().getEncoded();
            byte[] seed = java.util.Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
            String pem = Files.readString(studentConfig.signingKey());
            String pemBody = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            assertThat(logged)
                    .doesNotContain(pemBody)
                    .doesNotContain(Base64.getEncoder().encodeToString(pkcs8))
                    .doesNotContain(Base64.getEncoder().encodeToString(seed))
                    .doesNotContain(HexFormat.of().formatHex(seed))
                    .doesNotContain(password)
                    .doesNotContain(storePassword)
                    .doesNotContain(apiToken);
        }
    }

    /** A PKCS12 key store with a self-signed EC certificate for localhost (keytool of this JDK), and its PEM. */
    private static void selfSignedLocalhostCertificate(Path keyStore, String password, Path pem) throws Exception {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        run(List.of(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password,
                "-keypass", password));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(),
                "-storepass", password, "-file", pem.toString()));
    }

    private static void run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as(command.get(1) + " finished").isTrue();
        assertThat(p.exitValue()).as(String.join(" ", command.subList(0, 2)) + ": " + output).isZero();
    }

    private static String lastLine(String s) {
        String[] lines = s.strip().split("\n");
        return lines[lines.length - 1];
    }

    private static void describeCluster(EmbeddedKafkaBroker broker, Map<String, String> security) throws Exception {
        Map<String, Object> props = new HashMap<>(security);
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 2_000);
        Admin admin = Admin.create(props);
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(2_000)).nodes().get(5, TimeUnit.SECONDS);
        } finally {
            admin.close(Duration.ZERO); // a refused client has nothing worth waiting for
        }
    }

    private static int get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static void produce(EmbeddedKafkaBroker broker, List<String> sasl, String topic, String lines) {
        List<String> args = new ArrayList<>(List.of("-P", "-b", broker.bootstrapServers(), "-t", topic, "-K:"));
        args.addAll(sasl);
        KcatResult r = HostileInputStack.kcat(args, lines.getBytes(StandardCharsets.UTF_8));
        assertThat(r.exitCode()).as("kcat with SASL credentials: " + r.output()).isZero();
    }

    private static String events(int n) {
        long now = System.currentTimeMillis();
        Random random = new Random(5);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("sasl-").append(i).append(":{\"id\":\"sasl-").append(i).append("\",\"timestamp\":").append(now)
                    .append(",\"shape\":[28,28],\"features\":[");
            for (int j = 0; j < 784; j++) {
                b.append(j == 0 ? "" : ",").append(random.nextInt(256) / 255f);
            }
            b.append("]}\n");
        }
        return b.toString();
    }

    private static String labels(int n) {
        long now = System.currentTimeMillis();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append("sasl-").append(i).append(":{\"label\":").append(i % 10).append(",\"timestamp\":").append(now)
                    .append("}\n");
        }
        return b.toString();
    }

    /** Copies what the services print to the console and to a buffer. */
    private static final class Tee extends OutputStream {
        private final OutputStream a;
        private final OutputStream b;

        Tee(OutputStream a, OutputStream b) {
            this.a = a;
            this.b = b;
        }

        @Override
        public synchronized void write(int c) throws java.io.IOException {
            a.write(c);
            b.write(c);
        }

        @Override
        public synchronized void write(byte[] buf, int off, int len) throws java.io.IOException {
            a.write(buf, off, len);
            b.write(buf, off, len);
        }

        @Override
        public void flush() throws java.io.IOException {
            a.flush();
            b.flush();
        }
    }
}
