package dev.distill.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;

@DockerOnly
class DockerOnlyIT {

    @Test
    void runsOnlyWhenADockerEngineAnswers() {
        assertThat(DockerClientFactory.instance().isDockerAvailable()).isTrue();
    }
}
