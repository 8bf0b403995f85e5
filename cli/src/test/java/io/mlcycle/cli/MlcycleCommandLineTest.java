package io.mlcycle.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MlcycleCommandLineTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine commandLine = Mlcycle.commandLine();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("up", "demo");
    }

    @Test
    void everySubcommandHasHelp() {
        assertThat(run("demo", "--help")).isZero();
        assertThat(out.toString()).contains("--events", "--rate", "--drift-at", "--feedback-delay");
        assertThat(run("up", "--help")).isZero();
        assertThat(out.toString()).contains("--spec", "--data-dir", "--kafka-port", "--registry-port");
    }

    @Test
    void versionComesFromTheBuild() {
        assertThat(run("--version")).isZero();
        assertThat(out.toString()).startsWith("mlcycle ").doesNotContain("${");
    }

    @Test
    void anUnknownOptionIsAUsageErrorNamingIt() {
        assertThat(run("demo", "--evnts", "10")).isEqualTo(2);
        assertThat(err.toString()).contains("--evnts");
    }

    @Test
    void aMissingSpecFileFailsWithOneLineNamingIt() {
        assertThat(run("up", "--spec", "no-such-spec.yaml", "--kafka-port", "0", "--registry-port", "0")).isEqualTo(1);
        assertThat(err.toString()).contains("no-such-spec.yaml").doesNotContain("Exception").doesNotContain("\tat ");
    }

    @Test
    void twoSpecsOfOnePipelineAreRefusedBeforeAnythingStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path a = BundledSpecs.extract(BundledSpecs.CREDIT, dir.resolve("a"));
        java.nio.file.Path b = BundledSpecs.extract(BundledSpecs.CREDIT, dir.resolve("b"));
        assertThat(run("up", "--spec", a.toString(), "--spec", b.toString(), "--kafka-port", "0", "--registry-port", "0"))
                .isEqualTo(1);
        assertThat(err.toString()).contains("both define pipeline 'credit'").doesNotContain("\tat ");
    }

    @Test
    void describeFindsTheMessageThatExplains() {
        Exception wrapped = new java.util.concurrent.ExecutionException(new IllegalStateException("port 9092 is taken"));
        assertThat(Mlcycle.describe(wrapped)).isEqualTo("port 9092 is taken");
    }
}
