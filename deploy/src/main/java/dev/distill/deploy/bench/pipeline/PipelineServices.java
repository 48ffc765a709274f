package dev.distill.deploy.bench.pipeline;

import dev.distill.common.config.ConfigLoader;
import dev.distill.common.config.DistillConfig;
import dev.distill.kafka.embedded.EmbeddedKafkaBroker;
import dev.distill.student.config.StudentServiceConfig;
import dev.distill.teacher.config.TeacherConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.config.ConfigDef;

/**
 * The settings of one bench run's processes: fresh topic names, group, application and transactional ids under a
 * run prefix (so runs never share state, even on an external cluster), the student's files under the run
 * directory, fixed HTTP ports to watch, and the user's {@code -s} settings for the services that declare them.
 */
final class PipelineServices {

    final String prefix;
    final Map<String, String> common = new LinkedHashMap<>();
    final Map<String, String> teacher = new LinkedHashMap<>();
    final Map<String, String> student = new LinkedHashMap<>();
    final int teacherPort = EmbeddedKafkaBroker.freePort();
    final int studentPort = EmbeddedKafkaBroker.freePort();

    PipelineServices(String runId, String bootstrapServers, Path runDir, Map<String, String> teacherModel,
            Map<String, String> overrides) {
        this.prefix = "bench-" + runId + ".";
        common.put(DistillConfig.BOOTSTRAP_SERVERS, bootstrapServers);
        common.put(DistillConfig.TOPIC_EVENTS, prefix + "events");
        common.put(DistillConfig.TOPIC_TEACHER_LOGITS, prefix + "teacher-logits");
        common.put(DistillConfig.TOPIC_LABELS, prefix + "labels");
        common.put(DistillConfig.TOPIC_CHECKPOINTS, prefix + "checkpoints");
        common.put(DistillConfig.TOPIC_EDGE_STATUS, prefix + "edge-status");
        common.put(DistillConfig.TOPIC_DEAD_LETTER, prefix + "dead-letter");

        teacher.putAll(teacherModel);
        teacher.put(TeacherConfig.TEACHER_ID, "teacher");
        teacher.put(TeacherConfig.GROUP_ID, prefix + "teacher");
        teacher.put(TeacherConfig.TRANSACTIONAL_ID, prefix + "teacher");

        student.put("student.examples.topic", prefix + "student-examples");
        student.put("student.application.id", prefix + "student-join");
        student.put(StudentServiceConfig.TRANSACTIONAL_ID, prefix + "student-publisher");
        student.put(StudentServiceConfig.CHECKPOINT_DIR, runDir.resolve("student/checkpoints").toString());
        student.put(StudentServiceConfig.SIGNING_KEY, runDir.resolve("student/keys/signing-key.pem").toString());
        student.put("kafka.state.dir", runDir.resolve("student/streams").toString());

        Set<String> unknown = new TreeSet<>();
        overrides.forEach((key, value) -> {
            boolean known = false;
            if (declares(DistillConfig.commonDefinition(), key)) {
                common.putIfAbsent(key, value);
                known = true;
            }
            if (declares(TeacherConfig.definition(), key)) {
                teacher.put(key, value);
                known = true;
            }
            if (declares(StudentServiceConfig.definition(), key)) {
                student.put(key, value);
                known = true;
            }
            if (!known) {
                unknown.add(key);
            }
        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("bench pipeline: no service declares " + unknown
                    + " (see docs/configuration.md)");
        }
        // the bench watches these ports; the run's topics and ids keep runs apart: neither can be overridden
        teacher.putAll(common);
        teacher.put(DistillConfig.HTTP_PORT, Integer.toString(teacherPort));
        student.putAll(common);
        student.put(DistillConfig.HTTP_PORT, Integer.toString(studentPort));
    }

    private static boolean declares(ConfigDef definition, String key) {
        return definition.names().contains(key) || key.startsWith(DistillConfig.KAFKA_PREFIX);
    }

    DistillConfig commonConfig() {
        return ConfigLoader.loadCommon(null, System.getenv(), common);
    }

    StudentServiceConfig studentConfig() {
        return new ConfigLoader(StudentServiceConfig.definition(), System.getenv()).load(null, student,
                StudentServiceConfig::new);
    }
}
