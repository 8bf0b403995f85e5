package io.mlcycle.cli.ops;

import io.mlcycle.cli.common.CliException;
import io.mlcycle.cli.common.ConnectionOptions;
import io.mlcycle.cli.common.ExitCodes;
import io.mlcycle.cli.common.OutputOptions;
import io.mlcycle.cli.common.Table;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecError;
import io.mlcycle.mlcore.spec.SpecException;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.platform.registry.SubjectNotFoundException;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import io.mlcycle.schemas.compat.AvroCompatibility;
import io.mlcycle.schemas.compat.CompatibilityLevel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.avro.Schema;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code mlcycle spec}: checks pipeline specs before they reach a cluster: offline ({@code validate}, {@code diff}) or
 * against the subjects a running schema registry holds ({@code check}).
 */
@Command(name = "spec", mixinStandardHelpOptions = true,
        description = "Check pipeline specs: validate one, see what a change does to the data schema, or check it"
                + " against the schema registry.",
        subcommands = {SpecCommand.Validate.class, SpecCommand.Diff.class, SpecCommand.Check.class})
public final class SpecCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static PipelineSpec parse(Path file) throws SpecException {
        if (!Files.isRegularFile(file)) {
            throw CliException.notFound("no spec file at " + file);
        }
        return PipelineSpecParser.parse(file);
    }

    /** A spec the command needs valid: an invalid one is a usage error naming its first problem. */
    static PipelineSpec parseValid(Path file) {
        try {
            return parse(file);
        } catch (SpecException e) {
            throw new CliException(ExitCodes.USAGE, file + " is not a valid spec (" + e.errors().size()
                    + " errors; run 'mlcycle spec validate " + file + "'): " + e.errors().get(0), e);
        }
    }

    /** {@code spec validate FILE}: every error at once, each with its file, line and key path; exit 1 if any. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = {"Validate a pipeline spec: every problem at once, each as FILE:LINE: PATH: MESSAGE.",
                    "Exit 0 when valid, 1 when not."})
    static final class Validate implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        OutputOptions output;

        @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline spec (YAML).")
        Path file;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try {
                PipelineSpec parsed = parse(file);
                if (output.json()) {
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("file", file.toString());
                    result.put("valid", true);
                    result.put("pipeline", parsed.pipeline());
                    result.put("fields", parsed.data().fields().size());
                    result.put("errors", List.of());
                    OutputOptions.printJson(out, result);
                } else {
                    out.printf("%s: valid (pipeline '%s', %d fields, %d features)%n", file, parsed.pipeline(),
                            parsed.data().fields().size(), parsed.features().size());
                }
                return ExitCodes.OK;
            } catch (SpecException e) {
                if (output.json()) {
                    Map<String, Object> result = new LinkedHashMap<>();
                    result.put("file", file.toString());
                    result.put("valid", false);
                    result.put("errors", e.errors());
                    OutputOptions.printJson(out, result);
                } else {
                    PrintWriter err = spec.commandLine().getErr();
                    e.errors().forEach(error -> err.println(error));
                    err.printf("%s: %d error%s%n", file, e.errors().size(), e.errors().size() == 1 ? "" : "s");
                    err.flush();
                }
                out.flush();
                return ExitCodes.FAILURE;
            }
        }
    }

    /**
     * {@code spec diff OLD NEW}: the data schema's field changes and whether NEW may replace OLD under the registry's
     * compatibility rules (Avro schema resolution, as the Confluent registry applies it), checked with the platform's
     * {@link AvroCompatibility}, the one checker the registry client uses too.
     */
    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = {"Show what changing a spec from OLD to NEW does to the data schema, and whether the change "
                    + "is compatible under the registry's rules.",
                    "Exit 0 when compatible at --compatibility, 1 when not."})
    static final class Diff implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        OutputOptions output;

        @Parameters(index = "0", paramLabel = "OLD", description = "The spec in use.")
        Path oldFile;

        @Parameters(index = "1", paramLabel = "NEW", description = "The changed spec.")
        Path newFile;

        @Option(names = "--compatibility", paramLabel = "LEVEL", defaultValue = "BACKWARD",
                converter = LevelConverter.class,
                description = "The rule the change must meet: NONE, BACKWARD, FORWARD, FULL (or *_TRANSITIVE) "
                        + "(default: ${DEFAULT-VALUE}, the registry's default).")
        CompatibilityLevel level;

        record FieldChange(String field, String change, String oldType, String newType) {
        }

        @Override
        public Integer call() {
            PipelineSpec before = parseValid(oldFile);
            PipelineSpec after = parseValid(newFile);
            Schema oldSchema = before.dataSchema();
            Schema newSchema = after.dataSchema();
            List<FieldChange> changes = changes(oldSchema, newSchema);
            Map<String, List<String>> byLevel = new LinkedHashMap<>();
            for (CompatibilityLevel each : List.of(CompatibilityLevel.BACKWARD, CompatibilityLevel.FORWARD,
                    CompatibilityLevel.FULL)) {
                byLevel.put(each.name(), AvroCompatibility.violations(each, newSchema, List.of(oldSchema)));
            }
            List<String> problems = AvroCompatibility.violations(level, newSchema, List.of(oldSchema));
            boolean compatible = problems.isEmpty();
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("old", oldFile.toString());
                result.put("new", newFile.toString());
                result.put("pipelineRenamed", !before.pipeline().equals(after.pipeline()));
                result.put("changes", changes);
                result.put("compatibility", level.name());
                result.put("compatible", compatible);
                result.put("problems", problems);
                Map<String, Boolean> levels = new LinkedHashMap<>();
                byLevel.forEach((name, found) -> levels.put(name, found.isEmpty()));
                result.put("levels", levels);
                OutputOptions.printJson(out, result);
            } else {
                if (!before.pipeline().equals(after.pipeline())) {
                    out.printf("Pipeline renamed '%s' -> '%s': NEW writes to other topics and subjects.%n",
                            before.pipeline(), after.pipeline());
                }
                if (changes.isEmpty()) {
                    out.println("Data schema: no field changes.");
                } else {
                    Table table = Table.of("FIELD", "CHANGE", "OLD TYPE", "NEW TYPE");
                    changes.forEach(c -> table.row(c.field(), c.change(), c.oldType(), c.newType()));
                    table.print(out);
                }
                out.println();
                Table levels = Table.of("RULE", "COMPATIBLE");
                byLevel.forEach((name, found) -> levels.row(name, found.isEmpty() ? "yes" : "no"));
                levels.print(out);
                out.println();
                if (compatible) {
                    out.printf("Compatible under %s: the registry will accept NEW's data schema.%n", level);
                } else {
                    out.printf("NOT compatible under %s: the registry will reject NEW's data schema:%n", level);
                    problems.forEach(p -> out.println("  - " + p));
                }
            }
            out.flush();
            return compatible ? ExitCodes.OK : ExitCodes.FAILURE;
        }

        static List<FieldChange> changes(Schema before, Schema after) {
            List<FieldChange> changes = new ArrayList<>();
            for (Schema.Field field : before.getFields()) {
                Schema.Field now = after.getField(field.name());
                if (now == null) {
                    changes.add(new FieldChange(field.name(), "removed", type(field), null));
                } else if (!now.schema().equals(field.schema())) {
                    changes.add(new FieldChange(field.name(), "type changed", type(field), type(now)));
                } else if (field.hasDefaultValue() != now.hasDefaultValue()) {
                    changes.add(new FieldChange(field.name(), now.hasDefaultValue() ? "default added" : "default removed",
                            type(field), type(now)));
                }
            }
            for (Schema.Field field : after.getFields()) {
                if (before.getField(field.name()) == null) {
                    changes.add(new FieldChange(field.name(), field.hasDefaultValue() ? "added with default"
                            : "added without default", null, type(field)));
                }
            }
            return changes;
        }

        private static String type(Schema.Field field) {
            Schema schema = field.schema();
            if (schema.getType() == Schema.Type.UNION) {
                return String.join("|", schema.getTypes().stream().map(Diff::simpleType).toList());
            }
            return simpleType(schema);
        }

        private static String simpleType(Schema schema) {
            return schema.getLogicalType() != null ? schema.getLogicalType().getName() : schema.getType().getName();
        }
    }

    /**
     * {@code spec check FILE}: whether the registry will take FILE's data schema for the pipeline's data topics, under
     * each subject's own compatibility level and against every version it holds (the transitive levels look at all of
     * them), with the field changes against the latest version. The verdict is the registry's own
     * ({@code testCompatibility}); the problems are explained by {@link AvroCompatibility}, the checker the registry
     * client and the local stack's registry use.
     */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Check a spec's data schema against the schema registry: the subjects of its pipeline's "
                    + "data topics, each under its own compatibility level and versions.",
                    "Exit 0 when the registry would accept it, 1 when not."})
    static final class Check implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Mixin
        OutputOptions output;

        @Mixin
        ConnectionOptions connection;

        @Parameters(index = "0", paramLabel = "FILE", description = "The pipeline spec (YAML) to check.")
        Path file;

        /** One data topic's subject, judged. */
        record SubjectCheck(String subject, List<Integer> versions, String compatibility, boolean compatible,
                            List<Diff.FieldChange> changes, List<String> problems) {
        }

        @Override
        public Integer call() {
            PipelineSpec parsed = parseValid(file);
            List<SubjectCheck> checks = check(connection.registryClient(), parsed);
            boolean compatible = checks.stream().allMatch(SubjectCheck::compatible);
            PrintWriter out = spec.commandLine().getOut();
            if (output.json()) {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("file", file.toString());
                result.put("pipeline", parsed.pipeline());
                result.put("compatible", compatible);
                result.put("subjects", checks);
                OutputOptions.printJson(out, result);
            } else {
                Table table = Table.of("SUBJECT", "VERSIONS", "COMPATIBILITY", "ACCEPTED");
                checks.forEach(c -> table.row(c.subject(), c.versions().isEmpty() ? "none (new)"
                        : c.versions().size() + " (latest " + c.versions().get(c.versions().size() - 1) + ")",
                        c.compatibility(), c.compatible() ? "yes" : "NO"));
                table.print(out);
                // Subjects that drifted apart get a table each; normally both data subjects hold the same schema.
                Map<List<Diff.FieldChange>, List<String>> subjectsByChanges = new LinkedHashMap<>();
                checks.stream().filter(c -> !c.versions().isEmpty()).forEach(c -> subjectsByChanges
                        .computeIfAbsent(c.changes(), k -> new ArrayList<>()).add(c.subject()));
                subjectsByChanges.forEach((changes, subjects) -> {
                    out.println();
                    out.printf("Data schema against the latest version of %s: %s%n", String.join(" and ", subjects),
                            changes.isEmpty() ? "no field changes." : changes.size() + " field change(s)");
                    if (!changes.isEmpty()) {
                        Table changeTable = Table.of("FIELD", "CHANGE", "REGISTERED TYPE", "NEW TYPE");
                        changes.forEach(c -> changeTable.row(c.field(), c.change(), c.oldType(), c.newType()));
                        changeTable.print(out);
                    }
                });
                for (SubjectCheck c : checks) {
                    if (!c.compatible()) {
                        out.println();
                        out.printf("%s refuses it under %s:%n", c.subject(), c.compatibility());
                        if (c.problems().isEmpty()) {
                            out.println("  - the registry refused it; its rules found a problem this check does not"
                                    + " name");
                        }
                        c.problems().forEach(p -> out.println("  - " + p));
                    }
                }
                out.println();
                out.println(compatible ? "The registry will accept this spec's data schema."
                        : "NOT accepted: services started with this spec would fail to register their data schema.");
            }
            out.flush();
            return compatible ? ExitCodes.OK : ExitCodes.FAILURE;
        }

        /** Judges the spec's data schema against every data topic's value subject in {@code registry}. */
        static List<SubjectCheck> check(SchemaRegistryClient registry, PipelineSpec parsed) {
            Schema candidate = parsed.dataSchema();
            PipelineSerdes serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults(), parsed.pipeline(),
                    candidate);
            List<SubjectCheck> checks = new ArrayList<>();
            for (TopicDescriptor<?, ?> topic : Topics.all()) {
                if (topic.valueFormat() != TopicDescriptor.ValueFormat.PIPELINE_DATA) {
                    continue;
                }
                String subject = serdes.valueSubject(topic);
                List<Integer> versions;
                try {
                    versions = registry.getAllVersions(subject);
                } catch (SubjectNotFoundException e) {
                    versions = List.of();
                }
                CompatibilityLevel level = registry.getCompatibility(subject);
                if (versions.isEmpty()) {
                    checks.add(new SubjectCheck(subject, versions, level.name(), true, List.of(), List.of()));
                    continue;
                }
                List<Schema> existing = new ArrayList<>(versions.size());
                for (int version : versions) {
                    existing.add(registry.getSchemaMetadata(subject, version).schema());
                }
                boolean accepted = registry.testCompatibility(subject, candidate);
                List<String> problems = accepted ? List.of() : AvroCompatibility.violations(level, candidate, existing);
                checks.add(new SubjectCheck(subject, List.copyOf(versions), level.name(), accepted,
                        Diff.changes(existing.get(existing.size() - 1), candidate), problems));
            }
            return checks;
        }
    }

    static final class LevelConverter implements CommandLine.ITypeConverter<CompatibilityLevel> {
        @Override
        public CompatibilityLevel convert(String value) {
            try {
                return CompatibilityLevel.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
