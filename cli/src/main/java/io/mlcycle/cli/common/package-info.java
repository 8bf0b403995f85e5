/**
 * Conventions every {@code mlcycle} command shares. A command that talks to the cluster:
 * <pre>{@code
 * @Command(name = "thing", mixinStandardHelpOptions = true, description = "...")
 * final class ThingCommand implements Callable<Integer> {
 *     @Spec CommandSpec spec;
 *     @Mixin ConnectionOptions connection;   // --bootstrap-servers, --registry-url, --kafka-config, --registry-user-info
 *     @Mixin OutputOptions output;           // --json
 *
 *     public Integer call() {
 *         PrintWriter out = spec.commandLine().getOut();
 *         if (output.json()) { OutputOptions.printJson(out, result); }
 *         else { Table.of("NAME").right("COUNT").row(...).print(out); }
 *         return ExitCodes.OK;     // or throw CliException.notFound("no pipeline 'x'") -> one line, exit 4
 *     }
 * }
 * }</pre>
 * Register it with one line in {@code io.mlcycle.cli.Mlcycle}'s {@code subcommands}. Failures print one line
 * {@code mlcycle <command>: <reason>} ({@link io.mlcycle.cli.common.CliErrors}); exit codes are in
 * {@link io.mlcycle.cli.common.ExitCodes}; long work shows a {@link io.mlcycle.cli.common.ProgressBar} on stderr.
 */
package io.mlcycle.cli.common;
