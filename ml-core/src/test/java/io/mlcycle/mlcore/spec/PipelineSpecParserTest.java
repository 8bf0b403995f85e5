package io.mlcycle.mlcore.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mlcycle.mlcore.TestSpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PipelineSpecParserTest {

    @Test
    void parsesTheExampleSpecWithEveryValue() throws Exception {
        PipelineSpec spec = TestSpecs.credit();

        assertThat(spec.pipeline()).isEqualTo("credit");
        assertThat(spec.description()).isEqualTo("Credit applications; predict default within 12 months");
        DataSpec data = spec.data();
        assertThat(data.record()).isEqualTo("CreditApplication");
        assertThat(data.namespace()).isEqualTo("io.mlcycle.data.credit");
        assertThat(data.key()).isEqualTo("application_id");
        assertThat(data.eventTime()).isEqualTo("applied_at");
        assertThat(data.missingValues()).containsExactly("?", "NA", "null", "");
        assertThat(data.maxFuture()).contains(Duration.ofMinutes(5));
        assertThat(data.fields()).extracting(FieldSpec::name)
                .containsExactly("application_id", "applied_at", "age", "income", "employment", "email", "defaulted");
        assertThat(spec.field("age")).contains(
                new FieldSpec("age", FieldType.INT, true, true, 18.0, 100.0, List.of(), null, null));
        assertThat(spec.field("income").orElseThrow().min()).isEqualTo(0.0);
        assertThat(spec.field("income").orElseThrow().max()).isNull();
        assertThat(spec.field("employment").orElseThrow().values())
                .containsExactly("employed", "self_employed", "unemployed", "retired", "student");
        assertThat(spec.field("email").orElseThrow().pattern()).isEqualTo("^[^@\\s]+@[^@\\s]+$");
        assertThat(spec.field("application_id").orElseThrow().doc()).isEqualTo("Application id");
        assertThat(spec.features()).extracting(FieldSpec::name).containsExactly("age", "income", "employment");

        assertThat(spec.label()).isEqualTo(new LabelSpec("defaulted", "true", Duration.ofMinutes(10)));
        assertThat(spec.objective()).isEqualTo(new ObjectiveSpec(ObjectiveMetric.ROC_AUC, 0.5, 5, 1_048_576));
        assertThat(spec.training()).isEqualTo(new TrainingSpec("logistic_regression", 42, 0.2, 400,
                Map.of("epochs", "20", "learning_rate", "0.05", "l2", "0.0001")));
        assertThat(spec.triggers()).isEqualTo(new TriggerSpec(OptionalLong.of(1500), Duration.ofSeconds(20)));
        assertThat(spec.drift()).isEqualTo(new DriftSpec(500, 0.25));
        assertThat(spec.promotion()).isEqualTo(new PromotionSpec(0.05, 0.02, 0.01));

        byte[] bytes = Files.readAllBytes(TestSpecs.creditSpecPath());
        String expectedSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        assertThat(spec.sha256()).isEqualTo(expectedSha).hasSize(64);
    }

    @Test
    void appliesDefaultsForOptionalSections() throws Exception {
        String yaml = """
                pipeline: churn-2
                data:
                  record: Customer
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string}
                    - {name: ts, type: timestamp}
                    - {name: tenure, type: long, feature: true}
                    - {name: churned, type: int}
                label:
                  field: churned
                  positive: 1
                """;
        PipelineSpec spec = PipelineSpecParser.parse(yaml, "churn.yaml");

        assertThat(spec.data().namespace()).isEqualTo("io.mlcycle.data.churn_2");
        assertThat(spec.data().maxFuture()).isEmpty();
        assertThat(spec.data().missingValues()).isEmpty();
        assertThat(spec.label().delay()).isEqualTo(Duration.ofHours(24));
        assertThat(spec.objective()).isEqualTo(new ObjectiveSpec(ObjectiveMetric.ROC_AUC, 0.5, 10, 10L * 1024 * 1024));
        assertThat(spec.training()).isEqualTo(new TrainingSpec("logistic_regression", 42, 0.2, 1000, Map.of()));
        assertThat(spec.triggers()).isEqualTo(new TriggerSpec(OptionalLong.empty(), Duration.ofMinutes(1)));
        assertThat(spec.drift()).isEqualTo(new DriftSpec(1000, 0.2));
        assertThat(spec.promotion()).isEqualTo(new PromotionSpec(0.05, 0.0, 0.01));
        assertThat(spec.canary()).isEqualTo(CanarySpec.defaults());
    }

    @Test
    void readsTheCanaryKeysOfThePromotionSectionAndNamesABadOne() throws Exception {
        String yaml = """
                pipeline: churn-3
                data:
                  record: Customer
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string}
                    - {name: ts, type: timestamp}
                    - {name: tenure, type: long, feature: true}
                    - {name: churned, type: int}
                label:
                  field: churned
                  positive: 1
                promotion:
                  canary_fraction: %s
                  min_labeled: 500
                  canary_alpha: 0.01
                  canary_margin: 0.02
                """;
        PipelineSpec spec = PipelineSpecParser.parse(yaml.formatted("0.25"), "churn.yaml");

        assertThat(spec.canary()).isEqualTo(new CanarySpec(0.25, 500, 0.01, 0.02));
        SpecException e = catchThrowableOfType(SpecException.class,
                () -> PipelineSpecParser.parse(yaml.formatted("1.5"), "bad.yaml"));
        assertThat(e.getMessage()).contains("promotion.canary_fraction");
        assertThat(spec.canary().maxTestDuration()).isEqualTo(CanarySpec.DEFAULT_MAX_TEST_DURATION);

        String limited = yaml.formatted("0.25") + "  max_test_duration: P3D\n";
        assertThat(PipelineSpecParser.parse(limited, "churn.yaml").canary().maxTestDuration())
                .isEqualTo(java.time.Duration.ofDays(3));
        SpecException bad = catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse(
                yaml.formatted("0.25") + "  max_test_duration: 3 days\n", "bad.yaml"));
        assertThat(bad.getMessage()).contains("promotion.max_test_duration", "ISO-8601");
    }

    @Test
    void maxExamplesBoundsTheTrainingWindowAndMustCoverMinExamples() throws Exception {
        String yaml = """
                pipeline: churn
                data:
                  record: Customer
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string}
                    - {name: ts, type: timestamp}
                    - {name: tenure, type: long, feature: true}
                    - {name: churned, type: int}
                label:
                  field: churned
                  positive: 1
                training:
                  min_examples: 500
                  max_examples: %d
                """;
        assertThat(PipelineSpecParser.parse(yaml.formatted(3000), "ok.yaml").training().maxExamples())
                .hasValue(3000);
        SpecException e = catchThrowableOfType(SpecException.class,
                () -> PipelineSpecParser.parse(yaml.formatted(200), "small.yaml"));
        assertThat(e.errors()).singleElement().satisfies(error -> {
            assertThat(error.path()).isEqualTo("training.max_examples");
            assertThat(error.line()).isEqualTo(16);
            assertThat(error.message()).contains("is 200, fewer than training.min_examples (500)");
        });
    }

    @Test
    void sameBytesGiveSameHashAndOneByteChangesIt() throws Exception {
        String yaml = Files.readString(TestSpecs.creditSpecPath());
        PipelineSpec a = PipelineSpecParser.parse(yaml, "a.yaml");
        PipelineSpec b = PipelineSpecParser.parse(yaml, "b.yaml");
        PipelineSpec c = PipelineSpecParser.parse(yaml + "\n", "c.yaml");
        assertThat(a.sha256()).isEqualTo(b.sha256());
        assertThat(c.sha256()).isNotEqualTo(a.sha256());
    }

    static final String BAD = """
            pipeline: Credit_App
            data:
              record: CreditApplication
              key: applicant
              event_time: email
              max_future: 10 minutes
              fields:
                - name: application_id
                  type: string
                - name: applied_at
                  type: timestamp
                - name: age
                  type: integer
                  feature: true
                - name: income
                  type: double
                  feature: true
                  min: 100
                  max: 10
                - name: employment
                  type: category
                  feature: true
                - name: email
                  type: string
                  pattern: "([a-z]+"
                - name: income
                  type: double
                - name: score
                  type: int
                  pattern: "^[0-9]+$"
                  colour: red
                - name: defaulted
                  type: boolean
                  feature: true
            label:
              field: defaulted
              positive: maybe
            objective:
              metric: auc
              decision_threshold: 1.5
            training:
              hyperparameters:
                learning_rat: 0.1
                epochs: -3
            drift:
              psi_threshold: -0.1
            promotoin:
              significance: 0.05
            """;

    @Test
    void reportsEveryErrorAtOnceWithPathAndLine() {
        SpecException e = catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse(BAD, "bad.yaml"));

        List<SpecError> errors = e.errors();
        assertError(errors, "pipeline", "Credit_App", "is not a valid pipeline name");
        assertError(errors, "data.max_future", "max_future", "is not an ISO-8601 duration");
        assertError(errors, "data.key", "key: applicant", "'applicant' is not a declared field");
        assertError(errors, "data.event_time", "event_time: email", "must be of type timestamp, but is declared as string");
        assertError(errors, "data.fields[2].type", "type: integer", "unknown type 'integer' (did you mean 'int'?)");
        assertError(errors, "data.fields[3].min", "min: 100", "min 100 is greater than max 10");
        assertError(errors, "data.fields[4].values", "type: category", "a category field needs its allowed values");
        assertError(errors, "data.fields[5].pattern", "pattern: \"([a-z]+\"", "is not a valid regular expression");
        assertError(errors, "data.fields[6].name", "- name: income\n      type: double\n    - name: score", "the field 'income' is declared twice");
        assertError(errors, "data.fields[7].pattern", "pattern: \"^[0-9]+$\"", "a pattern applies to string fields only");
        assertError(errors, "data.fields[7].colour", "colour: red", "unknown key");
        assertError(errors, "label.field", "field: defaulted", "must not be a feature");
        assertError(errors, "label.positive", "positive: maybe", "positive must be true or false");
        assertError(errors, "objective.metric", "metric: auc", "unknown metric 'auc'");
        assertError(errors, "objective.decision_threshold", "decision_threshold", "must be between 0 and 1");
        assertError(errors, "training.hyperparameters.learning_rat", "learning_rat", "did you mean 'learning_rate'?");
        assertError(errors, "training.hyperparameters.epochs", "epochs: -3", "must be a whole number of at least 1");
        assertError(errors, "drift.psi_threshold", "psi_threshold", "must be a positive number");
        assertError(errors, "promotoin", "promotoin", "unknown key (did you mean 'promotion'?)");

        // getMessage lists them one per line as file:line: path: message
        String[] lines = e.getMessage().split("\n");
        assertThat(lines).hasSize(errors.size());
        assertThat(lines).contains("bad.yaml:" + lineOf("positive: maybe")
                + ": label.positive: the label 'defaulted' is boolean, so positive must be true or false, not 'maybe'");
        assertThat(lines).allMatch(l -> l.matches("bad\\.yaml:\\d+: [a-z_.\\[\\]0-9]+: .+"));
    }

    @Test
    void reportsMissingSectionsAndSpecsWithoutFeatures() {
        String yaml = """
                pipeline: p
                data:
                  record: R
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string}
                    - {name: ts, type: timestamp}
                    - {name: amount, type: double}
                """;
        SpecException e = catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse(yaml, "p.yaml"));
        assertThat(e.errors()).extracting(SpecError::path, SpecError::message).contains(
                org.assertj.core.groups.Tuple.tuple("label", "is required but missing"),
                org.assertj.core.groups.Tuple.tuple("data.fields",
                        "no field is marked 'feature: true'; a model needs at least one feature"));
    }

    @Test
    void labelWithUndeclaredFieldAndStringFeatureAreErrors() {
        String yaml = """
                pipeline: p
                data:
                  record: R
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string, feature: true}
                    - {name: ts, type: timestamp}
                    - {name: amount, type: double, feature: true}
                label:
                  field: outcome
                  positive: true
                  delay: -PT5M
                """;
        SpecException e = catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse(yaml, "p.yaml"));
        assertThat(e.errors()).extracting(SpecError::path).contains("data.fields[0].feature", "label.field", "label.delay");
        assertThat(e.getMessage()).contains("features must be int, long, double, boolean or category",
                "'outcome' is not a declared field", "must be a positive duration");
    }

    @Test
    void yamlSyntaxErrorNamesTheLine() {
        String yaml = "pipeline: p\ndata:\n  record: [unclosed\n  key: id\n";
        SpecException e = catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse(yaml, "broken.yaml"));
        assertThat(e.errors()).hasSize(1);
        assertThat(e.errors().get(0).line()).isPositive();
        assertThat(e.getMessage()).startsWith("broken.yaml:").contains("not valid YAML");
    }

    @Test
    void emptyFileAndNonMapRootAreReported() {
        assertThat(catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse("", "e.yaml")).getMessage())
                .isEqualTo("e.yaml: the file is empty");
        assertThat(catchThrowableOfType(SpecException.class, () -> PipelineSpecParser.parse("- a\n- b\n", "l.yaml"))
                .getMessage()).isEqualTo("l.yaml:1: must be a map of keys, but is a list");
    }

    @Test
    void missingFileIsASpecError() {
        SpecException e = catchThrowableOfType(SpecException.class,
                () -> PipelineSpecParser.parse(Path.of("/nonexistent/spec.yaml")));
        assertThat(e.getMessage()).startsWith("/nonexistent/spec.yaml: cannot read the spec file");
    }

    private static void assertError(List<SpecError> errors, String path, String lineNeedle, String messagePart) {
        Optional<SpecError> match = errors.stream()
                .filter(err -> err.path().equals(path) && err.message().contains(messagePart)).findFirst();
        assertThat(match).as("error at %s containing '%s' in %s", path, messagePart, errors).isPresent();
        assertThat(match.get().line()).as("line of %s", path).isEqualTo(lineOf(lineNeedle));
        assertThat(match.get().source()).isEqualTo("bad.yaml");
    }

    private static int lineOf(String needle) {
        int index = BAD.indexOf(needle);
        assertThat(index).as("needle '%s'", needle).isNotNegative();
        return (int) BAD.substring(0, index).chars().filter(c -> c == '\n').count() + 1;
    }
}
