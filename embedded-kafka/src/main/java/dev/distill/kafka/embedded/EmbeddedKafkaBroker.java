package dev.distill.kafka.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Apache Kafka broker in KRaft mode (combined broker and controller) running in this JVM.
 * For the local stack and tests only.
 *
 * <p>Ports are fixed when the broker is built (port 0 picks a free one then), so {@link #restart()} comes back on
 * the same {@link #bootstrapServers()} and the same log directory. A broker built without a log directory uses a
 * temporary one that {@link #close()} deletes; an explicit log directory is kept, so a new broker on it sees the
 * old topics and records.
 *
 * <pre>{@code
 * try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
 *     String bootstrap = broker.bootstrapServers();
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    static {
        BrokerLogging.quietKafkaLoggers();
    }

    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final String SASL_LISTENER = "SASL_PLAINTEXT";
    private static final String SASL_BROKER_USER = "embedded_broker";

    private final Path logDir;
    private final boolean deleteLogDirOnClose;
    private final int brokerPort;
    private final int controllerPort;
    private final int numPartitions;
    private final Map<String, String> extraProperties;
    private final Duration startTimeout;
    /** SASL/PLAIN users of the client listener (name to password); empty = PLAINTEXT listener. */
    private final Map<String, String> saslPlainUsers;
    /** The broker's own SASL identity (inter-broker and its readiness check), random per broker. */
    private final String saslBrokerPassword = Uuid.randomUuid().toString();
    /** PKCS12 key store of the SASL listener's TLS certificate; null = no TLS. */
    private final Path tlsKeyStore;
    private final String tlsKeyStorePassword;

    private KafkaRaftServer server;
    private boolean closed;

    private EmbeddedKafkaBroker(Builder builder) {
        try {
            if (builder.logDir == null) {
                this.logDir = Files.createTempDirectory("embedded-kafka-");
                this.deleteLogDirOnClose = true;
            } else {
                this.logDir = Files.createDirectories(builder.logDir.toAbsolutePath());
                this.deleteLogDirOnClose = false;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("embedded broker: cannot create log dir "
                    + builder.logDir + ": " + e.getMessage() + "; pass a writable directory to optLogDir", e);
        }
        // Picking both ports now (not at start) is what lets restart() reuse them; the controller port also has to
        // be known before the config exists because it is part of controller.quorum.voters.
        this.brokerPort = builder.port == 0 ? freePort() : builder.port;
        int controller = builder.controllerPort == 0 ? freePort() : builder.controllerPort;
        while (controller == brokerPort) {
            controller = freePort();
        }
        this.controllerPort = controller;
        this.numPartitions = builder.numPartitions;
        this.extraProperties = Map.copyOf(builder.extraProperties);
        this.startTimeout = builder.startTimeout;
        this.saslPlainUsers = Map.copyOf(builder.saslPlainUsers);
        this.tlsKeyStore = builder.tlsKeyStore;
        this.tlsKeyStorePassword = builder.tlsKeyStorePassword;
        if (tlsKeyStore != null && saslPlainUsers.isEmpty()) {
            throw new IllegalStateException("embedded broker: optTls secures the SASL listener; add optSaslPlain");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Formats the log directory if it is new, starts the broker and returns once a client gets the broker in the
     * cluster metadata (it is registered and unfenced, so produce and topic creation work).
     *
     * @return this broker, for chaining
     * @throws IllegalStateException if the broker is running or closed, or does not answer within the start timeout
     */
    public synchronized EmbeddedKafkaBroker start() {
        if (closed) {
            throw new IllegalStateException("embedded broker at " + bootstrapServers() + " is closed; build a new one");
        }
        if (server != null) {
            throw new IllegalStateException("embedded broker at " + bootstrapServers() + " is already running");
        }
        Properties props = brokerProperties();
        formatStorageIfNeeded(props);
        KafkaRaftServer raftServer = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
        server = raftServer;
        try {
            raftServer.startup();
            awaitReady();
        } catch (RuntimeException e) {
            stopQuietly();
            throw e;
        }
        return this;
    }

    /** Shuts the broker down cleanly and waits until it has stopped; the log directory stays. No-op if stopped. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        KafkaRaftServer running = server;
        server = null;
        running.shutdown();
        running.awaitShutdown();
    }

    /** Stops and starts the broker on the same ports and log directory. */
    public synchronized EmbeddedKafkaBroker restart() {
        stop();
        return start();
    }

    public synchronized boolean isRunning() {
        return server != null;
    }

    /** {@code localhost:port} of the client listener; stable across restarts. */
    public String bootstrapServers() {
        return "localhost:" + brokerPort;
    }

    public int port() {
        return brokerPort;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path logDir() {
        return logDir;
    }

    /** Stops the broker and deletes the log directory if it was a temporary one. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            if (deleteLogDirOnClose) {
                deleteRecursively(logDir);
            }
        }
    }

    Properties brokerProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("listeners", BROKER_LISTENER + "://localhost:" + brokerPort
                + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://localhost:" + brokerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", logDir.toString());
        p.put("num.partitions", String.valueOf(numPartitions));
        // One node: every internal topic must fit on it, or groups, transactions and share groups hang silently.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        // The 128 MB default dedupe buffer is wasted on a test broker's compacted topics.
        p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
        if (isSasl()) {
            putSaslPlainListener(p);
        }
        p.putAll(extraProperties);
        Properties props = new Properties();
        props.putAll(p);
        return props;
    }

    /** True if the client listener requires SASL/PLAIN ({@link Builder#optSaslPlain(Map)}). */
    public boolean isSasl() {
        return !saslPlainUsers.isEmpty();
    }

    /**
     * Client settings that authenticate as {@code user} with SASL/PLAIN over plaintext ({@code security.protocol},
     * {@code sasl.mechanism}, {@code sasl.jaas.config}); add them to a client's properties, or with a {@code kafka.}
     * prefix to a distill service's configuration.
     */
    public static Map<String, String> saslPlainClientProperties(String user, String password) {
        checkJaasValue(user, "user");
        checkJaasValue(password, "password");
        return Map.of("security.protocol", SASL_LISTENER,
                "sasl.mechanism", "PLAIN",
                "sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    /**
     * What a client of this broker needs besides {@code bootstrap.servers} to authenticate as {@code user}:
     * {@code security.protocol} (SASL_PLAINTEXT, or SASL_SSL with {@link Builder#optTls}), {@code sasl.mechanism},
     * {@code sasl.jaas.config}, and with TLS a trust store (the broker's own PKCS12 key store, which holds its
     * certificate).
     */
    public Map<String, String> clientSecurityProperties(String user, String password) {
        Map<String, String> props = new LinkedHashMap<>(saslPlainClientProperties(user, password));
        props.put("security.protocol", saslListener());
        if (tlsKeyStore != null) {
            props.put("ssl.truststore.type", "PKCS12");
            props.put("ssl.truststore.location", tlsKeyStore.toString());
            props.put("ssl.truststore.password", tlsKeyStorePassword);
        }
        return props;
    }

    /** The client listener's security protocol and listener name: SASL_SSL with TLS, else SASL_PLAINTEXT. */
    private String saslListener() {
        return tlsKeyStore == null ? SASL_LISTENER : "SASL_SSL";
    }

    // The client listener becomes SASL_PLAINTEXT (or SASL_SSL); the KRaft controller listener stays PLAINTEXT
    // (loopback only).
    private void putSaslPlainListener(Map<String, String> p) {
        String listener = saslListener();
        p.put("listeners", listener + "://localhost:" + brokerPort
                + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", listener + "://localhost:" + brokerPort);
        p.put("inter.broker.listener.name", listener);
        p.put("listener.security.protocol.map", listener + ":" + listener + "," + CONTROLLER_LISTENER + ":PLAINTEXT");
        if (tlsKeyStore != null) {
            p.put("ssl.keystore.type", "PKCS12");
            p.put("ssl.keystore.location", tlsKeyStore.toString());
            p.put("ssl.keystore.password", tlsKeyStorePassword);
            p.put("ssl.key.password", tlsKeyStorePassword);
            // the broker's own inter-broker client (and its readiness check) trusts the same certificate
            p.put("ssl.truststore.type", "PKCS12");
            p.put("ssl.truststore.location", tlsKeyStore.toString());
            p.put("ssl.truststore.password", tlsKeyStorePassword);
        }
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required")
                .append(" username=\"").append(SASL_BROKER_USER).append("\" password=\"").append(saslBrokerPassword)
                .append("\" user_").append(SASL_BROKER_USER).append("=\"").append(saslBrokerPassword).append('"');
        saslPlainUsers.forEach((user, password) ->
                jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        p.put("listener.name." + listener.toLowerCase(java.util.Locale.ROOT) + ".plain.sasl.jaas.config",
                jaas.append(';').toString());
    }

    private static void checkJaasValue(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty()
                || value.chars().anyMatch(c -> c == '"' || c == '\\' || c == ';' || Character.isWhitespace(c))) {
            throw new IllegalArgumentException("embedded broker: SASL " + what + " must be non-empty without quotes, "
                    + "backslashes, semicolons or spaces, got '" + value + "'");
        }
    }

    private void formatStorageIfNeeded(Properties props) {
        if (Files.exists(logDir.resolve("meta.properties"))) {
            return;
        }
        Path configFile = null;
        ByteArrayOutputStream toolOutput = new ByteArrayOutputStream();
        try {
            configFile = Files.createTempFile("embedded-kafka-format-", ".properties");
            try (OutputStream out = Files.newOutputStream(configFile)) {
                props.store(out, "embedded-kafka storage format");
            }
            // StorageTool.main would call Exit.exit; execute() returns the exit code instead.
            String[] args = {"format", "--config", configFile.toString(),
                    "--cluster-id", Uuid.randomUuid().toString(), "--ignore-formatted"};
            int exitCode;
            try (PrintStream out = new PrintStream(toolOutput, true, StandardCharsets.UTF_8)) {
                exitCode = StorageTool.execute(args, out);
            }
            if (exitCode != 0) {
                throw new IllegalStateException("embedded broker: formatting log dir " + logDir
                        + " failed with exit code " + exitCode + ": " + toolOutput.toString(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("embedded broker: cannot write the storage config for " + logDir, e);
        } catch (RuntimeException e) {
            if (e instanceof IllegalStateException) {
                throw e;
            }
            throw new IllegalStateException("embedded broker: formatting log dir " + logDir + " failed: "
                    + e.getMessage() + "; if it holds another cluster's data, use an empty directory", e);
        } finally {
            if (configFile != null) {
                try {
                    Files.deleteIfExists(configFile);
                } catch (IOException ignored) {
                    // A leftover temp file is harmless.
                }
            }
        }
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + startTimeout.toNanos();
        Map<String, Object> adminProps = new LinkedHashMap<>(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5_000));
        if (isSasl()) {
            adminProps.putAll(clientSecurityProperties(SASL_BROKER_USER, saslBrokerPassword));
        }
        Exception last = null;
        try (Admin admin = Admin.create(adminProps)) {
            while (System.nanoTime() < deadline) {
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(5_000))
                            .nodes().get(5, TimeUnit.SECONDS);
                    // The broker lists itself only once it is registered and unfenced, i.e. ready for produce.
                    if (nodes.stream().anyMatch(n -> n.id() == NODE_ID)) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("embedded broker: interrupted while waiting for "
                            + bootstrapServers(), e);
                }
                sleepBriefly();
            }
        }
        throw new IllegalStateException("embedded broker at " + bootstrapServers() + " did not answer describeCluster within "
                + startTimeout + Optional.ofNullable(last).map(e -> ": " + e.getMessage()).orElse("")
                + "; check the broker WARN/ERROR log above", last);
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (RuntimeException suppressed) {
            // The start failure is the error worth reporting.
        }
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(100);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("embedded broker: interrupted while waiting for start", e);
        }
    }

    /** A TCP port on localhost that is free now (for a listener, or another server a test must know the port of). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("localhost", 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("embedded broker: cannot find a free port on localhost", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("embedded broker: cannot delete temporary log dir " + dir
                    + ": " + e.getMessage(), e);
        }
    }

    /** Options for an {@link EmbeddedKafkaBroker}; every one has a default. */
    public static final class Builder {
        private Path logDir;
        private int port;
        private int controllerPort;
        private int numPartitions = 1;
        private final Map<String, String> extraProperties = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(120);
        private final Map<String, String> saslPlainUsers = new LinkedHashMap<>();
        private Path tlsKeyStore;
        private String tlsKeyStorePassword;

        private Builder() {
        }

        /**
         * Puts the SASL listener ({@link #optSaslPlain(Map)}) under TLS: SASL_SSL with the key and certificate in this
         * PKCS12 key store (store and key password {@code password}; the certificate must name {@code localhost}).
         * Clients trust it through {@link EmbeddedKafkaBroker#clientSecurityProperties(String, String)}.
         */
        public Builder optTls(Path pkcs12KeyStore, String password) {
            this.tlsKeyStore = Objects.requireNonNull(pkcs12KeyStore, "pkcs12KeyStore").toAbsolutePath();
            this.tlsKeyStorePassword = Objects.requireNonNull(password, "password");
            return this;
        }

        /**
         * Makes the client listener SASL_PLAINTEXT with mechanism PLAIN, accepting exactly these users (name to
         * password; names of letters, digits and {@code _}); a client without valid credentials is refused. Clients
         * authenticate with {@link EmbeddedKafkaBroker#saslPlainClientProperties(String, String)}. Default: PLAINTEXT.
         */
        public Builder optSaslPlain(Map<String, String> users) {
            if (users.isEmpty()) {
                throw new IllegalArgumentException("embedded broker: optSaslPlain needs at least one user");
            }
            users.forEach((user, password) -> {
                if (!user.matches("[A-Za-z0-9_]+") || user.equals(SASL_BROKER_USER)) {
                    throw new IllegalArgumentException("embedded broker: SASL user name must be letters, digits and _ "
                            + "(and not " + SASL_BROKER_USER + "), got '" + user + "'");
                }
                checkJaasValue(password, "password of " + user);
                saslPlainUsers.put(user, password);
            });
            return this;
        }

        /** Log directory kept on close (a restart or a later broker on it keeps the data); default: a temp dir. */
        public Builder optLogDir(Path logDir) {
            this.logDir = Objects.requireNonNull(logDir, "logDir");
            return this;
        }

        /** Client listener port; 0 (default) picks a free port once, at build time. */
        public Builder optPort(int port) {
            this.port = checkPort(port, "port");
            return this;
        }

        /** Controller listener port; 0 (default) picks a free port once, at build time. */
        public Builder optControllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort, "controllerPort");
            return this;
        }

        /** {@code num.partitions} for auto-created topics; default 1. */
        public Builder optNumPartitions(int numPartitions) {
            if (numPartitions < 1) {
                throw new IllegalArgumentException("embedded broker: numPartitions must be >= 1, got " + numPartitions);
            }
            this.numPartitions = numPartitions;
            return this;
        }

        /** One broker property, applied last, so it overrides the defaults (e.g. a SASL listener map). */
        public Builder optBrokerProperty(String key, String value) {
            extraProperties.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value for " + key));
            return this;
        }

        /** Broker properties applied last, so they override the defaults. */
        public Builder optBrokerProperties(Map<String, String> properties) {
            properties.forEach(this::optBrokerProperty);
            return this;
        }

        /** How long {@link EmbeddedKafkaBroker#start()} waits for the broker to answer; default 120 s. */
        public Builder optStartTimeout(Duration startTimeout) {
            if (startTimeout.isNegative() || startTimeout.isZero()) {
                throw new IllegalArgumentException("embedded broker: startTimeout must be positive, got " + startTimeout);
            }
            this.startTimeout = startTimeout;
            return this;
        }

        public EmbeddedKafkaBroker build() {
            return new EmbeddedKafkaBroker(this);
        }

        private static int checkPort(int port, String what) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("embedded broker: " + what + " must be 0..65535, got " + port);
            }
            return port;
        }
    }
}
