package io.mlcycle.mlcore.spec;

import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

/**
 * A parsed and validated pipeline spec (format version 1, see SPEC-FORMAT.md). Immutable and thread-safe.
 * Build one with {@link PipelineSpecParser}.
 *
 * @param pipeline    pipeline name, the topic prefix
 * @param description free text, or null
 * @param data        data section
 * @param label       label section
 * @param objective   objective section (defaults filled in)
 * @param training    training section (defaults filled in)
 * @param triggers    triggers section (defaults filled in)
 * @param drift       drift section (defaults filled in)
 * @param promotion   promotion section (defaults filled in)
 * @param sourceName  where the spec came from (file name), for messages
 * @param sha256      lower-case hex SHA-256 of the source bytes, for lineage
 * @param canary      the online part of the promotion section (canary traffic and sequential decision)
 * @param gates       gates section (defaults filled in): unseen categories, sentinels, CEL rules, lateness, duplicates
 * @param monitoring  monitoring section (defaults filled in)
 * @param replay      replay section (defaults filled in)
 * @param evaluation  evaluation section (defaults filled in): slices and the rule baseline
 */
public record PipelineSpec(String pipeline, String description, DataSpec data, LabelSpec label, ObjectiveSpec objective,
                           TrainingSpec training, TriggerSpec triggers, DriftSpec drift, PromotionSpec promotion,
                           String sourceName, String sha256, CanarySpec canary, GatesSpec gates,
                           MonitoringSpec monitoring, ReplaySpec replay, EvaluationSpec evaluation) {

    public PipelineSpec {
        evaluation = evaluation == null ? EvaluationSpec.DEFAULTS : evaluation;
        monitoring = monitoring == null ? MonitoringSpec.DEFAULTS : monitoring;
        replay = replay == null ? ReplaySpec.DEFAULTS : replay;
        Objects.requireNonNull(pipeline, "pipeline");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(label, "label");
        Objects.requireNonNull(objective, "objective");
        Objects.requireNonNull(training, "training");
        Objects.requireNonNull(triggers, "triggers");
        Objects.requireNonNull(drift, "drift");
        Objects.requireNonNull(promotion, "promotion");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(canary, "canary");
        Objects.requireNonNull(gates, "gates");
    }

    /** A spec without an evaluation section. */
    public PipelineSpec(String pipeline, String description, DataSpec data, LabelSpec label, ObjectiveSpec objective,
                        TrainingSpec training, TriggerSpec triggers, DriftSpec drift, PromotionSpec promotion,
                        String sourceName, String sha256, CanarySpec canary, GatesSpec gates,
                        MonitoringSpec monitoring, ReplaySpec replay) {
        this(pipeline, description, data, label, objective, training, triggers, drift, promotion, sourceName, sha256,
                canary, gates, monitoring, replay, EvaluationSpec.DEFAULTS);
    }

    /** A spec with the default canary, gates, monitoring and replay sections. */
    public PipelineSpec(String pipeline, String description, DataSpec data, LabelSpec label, ObjectiveSpec objective,
                        TrainingSpec training, TriggerSpec triggers, DriftSpec drift, PromotionSpec promotion,
                        String sourceName, String sha256) {
        this(pipeline, description, data, label, objective, training, triggers, drift, promotion, sourceName, sha256,
                CanarySpec.defaults(), GatesSpec.defaults(), MonitoringSpec.DEFAULTS, ReplaySpec.DEFAULTS);
    }

    /** This spec with another canary section (tests and tools that vary one section). */
    public PipelineSpec withCanary(CanarySpec newCanary) {
        return new PipelineSpec(pipeline, description, data, label, objective, training, triggers, drift, promotion,
                sourceName, sha256, newCanary, gates, monitoring, replay, evaluation);
    }

    /** The feature fields, in declared order. */
    public List<FieldSpec> features() {
        return data.fields().stream().filter(FieldSpec::feature).toList();
    }

    public Optional<FieldSpec> field(String name) {
        return data.field(name);
    }

    public FieldSpec keyField() {
        return required(data.key());
    }

    public FieldSpec eventTimeField() {
        return required(data.eventTime());
    }

    public FieldSpec labelField() {
        return required(label.field());
    }

    /**
     * The Avro data schema derived from the spec: record {@code namespace.record}, one field per declared field in
     * order, each a union {@code ["null", T]} with default null and the field's doc. Deterministic: the same spec
     * always gives an equal schema with the same JSON.
     */
    public Schema dataSchema() {
        List<Schema.Field> fields = data.fields().stream().map(PipelineSpec::avroField).toList();
        return Schema.createRecord(data.record(), null, data.namespace(), false, fields);
    }

    private static Schema.Field avroField(FieldSpec field) {
        Schema valueSchema = switch (field.type()) {
            case STRING, CATEGORY -> Schema.create(Schema.Type.STRING);
            case INT -> Schema.create(Schema.Type.INT);
            case LONG -> Schema.create(Schema.Type.LONG);
            case DOUBLE -> Schema.create(Schema.Type.DOUBLE);
            case BOOLEAN -> Schema.create(Schema.Type.BOOLEAN);
            case TIMESTAMP -> LogicalTypes.timestampMillis().addToSchema(Schema.create(Schema.Type.LONG));
        };
        Schema union = Schema.createUnion(Schema.create(Schema.Type.NULL), valueSchema);
        return new Schema.Field(field.name(), union, field.doc(), JsonProperties.NULL_VALUE);
    }

    private FieldSpec required(String name) {
        return data.field(name).orElseThrow(() -> new NoSuchElementException("spec declares no field '" + name + "'"));
    }
}
