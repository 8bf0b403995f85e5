package io.mlcycle.mlcore;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import java.net.URISyntaxException;
import java.nio.file.Path;

/** The bundled example spec (a copy of SPEC-FORMAT.md's credit example) for tests. */
public final class TestSpecs {
    private TestSpecs() {
    }

    public static Path creditSpecPath() {
        try {
            return Path.of(TestSpecs.class.getResource("/credit.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static PipelineSpec credit() {
        try {
            return PipelineSpecParser.parse(creditSpecPath());
        } catch (SpecException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
