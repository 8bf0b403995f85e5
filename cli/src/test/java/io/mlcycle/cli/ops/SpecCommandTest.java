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

    @Test
    void aMissingFileFailsInOneLine() {
        CliRun run = CliRun.run("spec", "validate", "nope.yaml");
        assertThat(run.exitCode).isEqualTo(4);
        assertThat(run.err.strip()).isEqualTo("mlcycle spec validate: no spec file at nope.yaml");
    }

    private static String narrowIncome(String spec) {
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
