package dev.distill.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Marks a test class that needs a Docker engine: tagged {@value #TAG} (select or exclude it with
 * {@code -Dgroups=docker} / {@code -DexcludedGroups=docker}) and skipped, not failed, when no engine answers.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Tag(DockerOnly.TAG)
@Testcontainers(disabledWithoutDocker = true)
public @interface DockerOnly {

    /** JUnit 5 tag carried by every {@code @DockerOnly} test. */
    String TAG = "docker";
}
