package io.mlcycle.cli.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.registry.RegistryUnreachableException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class CliErrorsTest {

    @Command(name = "top", subcommands = Failing.class)
    static final class Top implements Runnable {
        @Override
        public void run() {
        }
    }

    @Command(name = "fail")
    static final class Failing implements java.util.concurrent.Callable<Integer> {
        static RuntimeException toThrow;

        @Override
        public Integer call() {
            throw toThrow;
        }
    }

    private int run(RuntimeException failure, StringWriter err) {
        Failing.toThrow = failure;
        CommandLine cmd = new CommandLine(new Top());
        cmd.setExecutionExceptionHandler(CliErrors.handler());
        cmd.setErr(new PrintWriter(err, true));
        return cmd.execute("fail");
    }

    @Test
    void aCliExceptionPrintsOneLineWithTheCommandNameAndItsExitCode() {
        StringWriter err = new StringWriter();
        assertThat(run(CliException.notFound("no pipeline 'x'"), err)).isEqualTo(ExitCodes.NOT_FOUND);
        assertThat(err.toString()).isEqualTo("mlcycle fail: no pipeline 'x'" + System.lineSeparator());
    }

    @Test
    void exitCodesFollowTheKindOfFailure() {
        assertThat(CliErrors.exitCode(new RuntimeException(new RegistryUnreachableException("down", null))))
                .isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(CliErrors.exitCode(new org.apache.kafka.common.errors.TimeoutException("t"))).isEqualTo(ExitCodes.UNAVAILABLE);
        assertThat(CliErrors.exitCode(new ConfigException("bad key"))).isEqualTo(ExitCodes.USAGE);
        assertThat(CliErrors.exitCode(new IllegalStateException("boom"))).isEqualTo(ExitCodes.FAILURE);
    }

    @Test
    void describeUnwrapsAndJoinsLines() {
        assertThat(CliErrors.describe(new ExecutionException(new IllegalStateException("a\nb")))).isEqualTo("a; b");
        assertThat(CliErrors.describe(new RuntimeException((String) null))).isEqualTo("RuntimeException");
    }
}
