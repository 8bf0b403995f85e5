package io.mlcycle.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecCommandTest {

    private static String credit;

    @TempDir
    Path dir;

    @BeforeAll
    static void readBundledSpec() throws IOException {
        try (InputStream in = SpecCommandTest.class.getResourceAsStream("/specs/credit.yaml")) {
            credit = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    private static String withField(String spec, String fieldYaml) {
        return spec.replace("    - name: defaulted\n", fieldYaml + "    - name: defaulted\n");
    }

    @Test
    void aValidSpecIsReportedValid() throws IOException {
        CliRun run = CliRun.run("spec", "validate", write("credit.yaml", credit).toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out).contains("valid (pipeline 'credit'");
    }

    @Test
    void everyErrorIsReportedAtOnceWithItsLine() throws IOException {
        String broken = credit.replace("      min: 18\n", "      min: abc\n")
                .replace("      values: [employed,", "      valuez: [employed,");
        Path file = write("broken.yaml", broken);
        CliRun run = CliRun.run("spec", "validate", file.toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        int minLine = lineOf(broken, "min: abc");
        int valuesLine = lineOf(broken, "valuez:");
        assertThat(run.err).contains(file + ":" + minLine + ":").contains(file + ":" + valuesLine + ":")
                .contains("errors");
        assertThat(run.err).doesNotContain("Exception");
    }

    @Test
    void validateJsonListsTheErrors() throws IOException {
        Path file = write("broken.yaml", credit.replace("      min: 18\n", "      min: abc\n"));
        CliRun run = CliRun.run("spec", "validate", "--json", file.toString());
        assertThat(run.exitCode).isEqualTo(1);
        JsonNode json = parse(run.out);
        assertThat(json.path("valid").asBoolean()).isFalse();
        assertThat(json.path("errors").get(0).path("line").asInt()).isEqualTo(lineOf(credit, "min: 18"));
        assertThat(json.path("errors").get(0).path("path").asText()).contains("min");
    }

    @Test
    void anOptionalNewFieldIsCompatible() throws IOException {
        Path before = write("old.yaml", credit);
        Path after = write("new.yaml", withField(credit, "    - name: region\n      type: string\n"));
        CliRun run = CliRun.run("spec", "diff", before.toString(), after.toString());
        assertThat(run.exitCode).as(run.toString()).isZero();
        assertThat(run.out).containsPattern("region\\s+added with default")
                .contains("Compatible under BACKWARD");
    }

    @Test
    void aNarrowedTypeBreaksBackwardCompatibilityAndSaysWhy() throws IOException {
        Path before = write("old.yaml", credit);
        Path after = write("new.yaml", narrowIncome(credit));
        CliRun run = CliRun.run("spec", "diff", before.toString(), after.toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        assertThat(run.out).containsPattern("monthly_income\\s+type changed\\s+null\\|double\\s+null\\|int")
                .contains("NOT compatible under BACKWARD").contains("field 'monthly_income'");
        // Old readers can still read the new data (int promotes to double): FORWARD allows it.
        assertThat(CliRun.run("spec", "diff", "--compatibility", "forward", before.toString(), after.toString()).exitCode)
                .isZero();
    }

    @Test
    void diffJsonReportsEachRule() throws IOException {
        Path before = write("old.yaml", credit);
        Path after = write("new.yaml", narrowIncome(credit));
        CliRun run = CliRun.run("spec", "diff", "--json", before.toString(), after.toString());
        assertThat(run.exitCode).as(run.toString()).isEqualTo(1);
        JsonNode json = parse(run.out);
        assertThat(json.path("changes").get(0).path("field").asText()).isEqualTo("monthly_income");
        assertThat(json.path("changes").get(0).path("change").asText()).isEqualTo("type changed");
        assertThat(json.path("levels").path("BACKWARD").asBoolean()).isFalse();
        assertThat(json.path("levels").path("FORWARD").asBoolean()).isTrue();
        assertThat(json.path("levels").path("FULL").asBoolean()).isFalse();
        assertThat(json.path("problems").get(0).asText()).contains("monthly_income");
    }

    private static io.mlcycle.mlcore.spec.PipelineSpec spec(String text) {
        try {
            return io.mlcycle.mlcore.spec.PipelineSpecParser.parse(text, "credit.yaml");
        } catch (io.mlcycle.mlcore.spec.SpecException e) {
            throw new AssertionError("the test's spec is invalid: " + e.errors(), e);
        }
    }

    private static io.mlcycle.platform.registry.InMemorySchemaRegistryClient registryHolding(String specText) {
        var registry = new io.mlcycle.platform.registry.InMemorySchemaRegistryClient();
        io.mlcycle.mlcore.spec.PipelineSpec held = spec(specText);
        new io.mlcycle.platform.serde.PipelineSerdes(registry, io.mlcycle.platform.serde.AvroSerdeConfig.defaults(),
                held.pipeline(), held.dataSchema()).registerSchemas();
        return registry;
    }

    @Test
    void checkJudgesEachDataSubjectAgainstWhatTheRegistryHolds() {
        var registry = registryHolding(credit);
        var same = SpecCommand.Check.check(registry, spec(credit));
        assertThat(same).extracting(SpecCommand.Check.SubjectCheck::subject)
                .containsExactly("credit.data.raw-value", "credit.data.validated-value");
        assertThat(same).allSatisfy(c -> {
            assertThat(c.compatible()).isTrue();
            assertThat(c.versions()).containsExactly(1);
            assertThat(c.compatibility()).isEqualTo("BACKWARD");
            assertThat(c.changes()).isEmpty();
        });

        var optional = SpecCommand.Check.check(registry, spec(withField(credit, "    - name: region\n      type: string\n")));
        assertThat(optional).allSatisfy(c -> {
            assertThat(c.compatible()).isTrue();
            assertThat(c.changes()).singleElement().satisfies(f -> {
                assertThat(f.field()).isEqualTo("region");
                assertThat(f.change()).isEqualTo("added with default");
            });
        });

        // Every data field is nullable with a default (required is validation's rule), so a type change is what breaks.
        var narrowed = SpecCommand.Check.check(registry, spec(narrowIncome(credit)));
        assertThat(narrowed).allSatisfy(c -> {
            assertThat(c.compatible()).isFalse();
            assertThat(c.changes()).singleElement().satisfies(f -> assertThat(f.change()).isEqualTo("type changed"));
            assertThat(c.problems()).singleElement().asString().contains("field 'monthly_income'")
                    .contains("MISSING_UNION_BRANCH");
        });
    }

    @Test
    void checkUsesEachSubjectsOwnLevelAndANewPipelineIsAccepted() {
        var registry = registryHolding(credit);
        // int promotes to double, so old readers read the narrowed data: FORWARD accepts what BACKWARD refuses.
        registry.updateCompatibility("credit.data.raw-value", io.mlcycle.schemas.compat.CompatibilityLevel.FORWARD);
        var narrowed = SpecCommand.Check.check(registry, spec(narrowIncome(credit)));
        assertThat(narrowed).filteredOn(c -> c.subject().equals("credit.data.raw-value")).singleElement()
                .satisfies(c -> {
                    assertThat(c.compatibility()).isEqualTo("FORWARD");
                    assertThat(c.compatible()).isTrue();
                });
        assertThat(narrowed).filteredOn(c -> c.subject().equals("credit.data.validated-value")).singleElement()
                .satisfies(c -> {
                    assertThat(c.compatibility()).isEqualTo("BACKWARD");
                    assertThat(c.compatible()).isFalse();
                    assertThat(c.problems()).singleElement().asString().contains("field 'monthly_income'");
                });

        var fresh = SpecCommand.Check.check(new io.mlcycle.platform.registry.InMemorySchemaRegistryClient(),
                spec(credit.replaceFirst("(?m)^pipeline: .*$", "pipeline: fresh")));
        assertThat(fresh).allSatisfy(c -> {
            assertThat(c.versions()).isEmpty();
            assertThat(c.compatible()).isTrue();
        });
    }

    @Test
    void checkWithAnUnreachableRegistryFailsInOneLine() throws Exception {
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        CliRun run = CliRun.run("spec", "check", write("credit.yaml", credit).toString(), "--registry-url",
                "http://127.0.0.1:" + port);
        assertThat(run.exitCode).as(run.toString()).isNotZero().isNotEqualTo(1);
        assertThat(run.err.strip().lines()).as(run.toString()).hasSize(1);
        assertThat(run.err).startsWith("mlcycle spec check: Schema registry unreachable").contains("127.0.0.1:" + port)
                .doesNotContain("\tat ");
    }

    @Test
    void aMissingFileFailsInOneLine() {
        CliRun run = CliRun.run("spec", "validate", "nope.yaml");
        assertThat(run.exitCode).isEqualTo(4);
        assertThat(run.err.strip()).isEqualTo("mlcycle spec validate: no spec file at nope.yaml");
    }

    static String narrowIncome(String spec) {
        String changed = spec.replace("    - name: monthly_income\n      type: double\n", "    - name: monthly_income\n      type: int\n");
        assertThat(changed).isNotEqualTo(spec);
        return changed;
    }

    private static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle + " not in the spec");
    }

    private static JsonNode parse(String json) throws IOException {
        return new ObjectMapper().readTree(json);
    }
}
