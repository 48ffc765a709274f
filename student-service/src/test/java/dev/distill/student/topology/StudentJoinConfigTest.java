package dev.distill.student.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StudentJoinConfigTest {

    @Test
    void defaultsToAnyOneTeacherAndTheExamplesTopic() {
        StudentJoinConfig config = new StudentJoinConfig(Map.of());

        assertThat(config.teachers()).isEmpty();
        assertThat(config.examplesTopic()).isEqualTo("distill.student.examples");
        assertThat(config.applicationId()).isEqualTo("distill-student-join");
    }

    @Test
    void parsesTeachersWithAndWithoutWeights() {
        StudentJoinConfig config = new StudentJoinConfig(Map.of(StudentJoinConfig.TEACHERS, "big:0.7, small"));

        assertThat(config.teachers()).containsExactly(new TeacherSpec("big", 0.7f), new TeacherSpec("small", 1f));
    }

    @Test
    void rejectsABadTeacherEntryNamingIt() {
        assertThatThrownBy(() -> new StudentJoinConfig(Map.of(StudentJoinConfig.TEACHERS, "big:heavy")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("big:heavy");
        assertThatThrownBy(() -> new StudentJoinConfig(Map.of(StudentJoinConfig.TEACHERS, "a,a")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> new StudentJoinConfig(Map.of(StudentJoinConfig.TEACHERS, "a:0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("> 0");
    }

    @Test
    void alwaysRunsStreamsExactlyOnceAndPassesKafkaKeysThrough() {
        StudentJoinConfig config = new StudentJoinConfig(Map.of(
                "kafka." + StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE,
                "kafka." + StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "250",
                StudentJoinConfig.APPLICATION_ID, "join-a"));

        Properties streams = config.streamsProperties();

        assertThat(streams.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(streams.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo("250");
        assertThat(streams.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("join-a");
    }

    @Test
    void boundsRocksDbMemoryUnlessTheUserSetsAConfigSetter() {
        assertThat(new StudentJoinConfig(Map.of()).streamsProperties().get(
                StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(BoundedRocksDbMemory.class);

        Properties own = new StudentJoinConfig(Map.of(
                "kafka." + StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, "com.example.MySetter"))
                .streamsProperties();
        assertThat(own.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo("com.example.MySetter");
    }

    @Test
    void rejectsATopologyWhoseTopicsCollide() {
        StudentJoinConfig config = new StudentJoinConfig(Map.of(StudentJoinConfig.EXAMPLES_TOPIC, "distill.events"));

        assertThatThrownBy(() -> JoinTopology.build(config, new io.micrometer.core.instrument.simple.SimpleMeterRegistry()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("distinct");
    }
}
