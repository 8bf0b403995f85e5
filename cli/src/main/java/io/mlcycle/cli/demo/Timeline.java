package io.mlcycle.cli.demo;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.GateCheck;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every topic of a pipeline and prints a readable timeline of what happens: records quarantined and why,
 * training runs, model versions with their metrics and gate results, the first predictions of each version, drift,
 * and the first outcomes joined with a version's predictions. Also keeps the {@link PipelineObservations}.
 *
 * <p>Reads {@code <p>.data.raw}, {@code data.validated}, {@code data.quarantine}, {@code quality.reports},
 * {@code predictions}, {@code feedback}, {@code examples.labeled}, {@code training.runs}, {@code models},
 * {@code monitoring.alerts}, {@code monitoring.metrics}; writes nothing.
 */
public final class Timeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Timeline.class);
    private static final int EXAMPLES_PER_REASON = 1;

    private final String pipeline;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Function<TopicDescriptor<?, ?>, Deserializer<?>> valueDeserializers;
    private final PipelineObservations observations;
    private final PrintStream out;
    private final Instant start;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);

    public Timeline(String pipeline, Properties consumerProperties,
                    Function<TopicDescriptor<?, ?>, Deserializer<?>> valueDeserializers,
                    PipelineObservations observations, PrintStream out, Instant start) {
        this.pipeline = pipeline;
        Properties properties = new Properties();
        properties.putAll(consumerProperties);
        properties.put("isolation.level", "read_committed");
        properties.put("enable.auto.commit", "false");
        properties.remove("group.id");
        this.consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        this.valueDeserializers = valueDeserializers;
        this.observations = observations;
        this.out = out;
        this.start = start;
        this.thread = new Thread(this::run, "mlcycle-timeline");
        this.thread.setDaemon(true);
    }

    /** Assigns every partition of every pipeline topic from the beginning and starts following. */
    public Timeline start() {
        List<TopicPartition> partitions = new ArrayList<>();
        for (TopicDescriptor<?, ?> topic : Topics.all()) {
            consumer.partitionsFor(topic.name(pipeline), Duration.ofSeconds(30))
                    .forEach(info -> partitions.add(new TopicPartition(info.topic(), info.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        thread.start();
        return this;
    }

    private void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        handle(record);
                    } catch (RuntimeException e) {
                        log.warn("Could not show record {}-{}@{}: {}", record.topic(), record.partition(),
                                record.offset(), e.getMessage());
                    }
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                throw e;
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicDescriptor<?, ?> topic = Topics.byName(pipeline, record.topic()).orElse(null);
        if (topic == null || record.value() == null) {
            return;
        }
        if (topic == Topics.DATA_RAW) {
            observations.rawRecord();
            return;
        }
        if (topic == Topics.DATA_VALIDATED) {
            observations.validatedRecord();
            return;
        }
        if (topic == Topics.FEEDBACK) {
            observations.feedback();
            return;
        }
        Object value = valueDeserializers.apply(topic).deserialize(record.topic(), record.value());
        if (value instanceof QuarantineRecord quarantined) {
            onQuarantine(quarantined);
        } else if (value instanceof Prediction prediction) {
            if (observations.prediction(prediction)) {
                print("serving", "%s made its first prediction (score %.3f for event %s)",
                        prediction.getModelVersion(), prediction.getScore(), prediction.getEventId());
            }
        } else if (value instanceof LabeledExample example) {
            if (observations.labeled(example)) {
                example.getPredictions().forEach(summary -> print("feedback",
                        "outcome joined with a prediction of %s: event %s, label %s, score %.3f",
                        summary.getModelVersion(), example.getEventId(), example.getLabel(), summary.getScore()));
            }
        } else if (value instanceof ModelVersion model) {
            onModel(model);
        } else if (value instanceof TrainingRun run) {
            onRun(run);
        } else if (value instanceof Alert alert) {
            observations.alert(alert);
            print("alert", "%s %s: %s", alert.getType(), alert.getSeverity(), alert.getMessage());
        } else if (value instanceof QualityReport report) {
            observations.qualityReport(report);
        } else if (value instanceof io.mlcycle.avro.OnlineMetrics metrics) {
            observations.onlineMetrics(metrics);
        }
    }

    private void onQuarantine(QuarantineRecord record) {
        boolean fromRaw = Topics.DATA_RAW.name(pipeline).equals(record.getSourceTopic());
        boolean firstOfReason = observations.quarantined(record, fromRaw);
        if (firstOfReason) {
            String code = record.getReasons().isEmpty() ? "UNKNOWN" : record.getReasons().get(0).getCode();
            print("quarantine", "%-18s %s (at %s)", code, PipelineObservations.firstReasonDetail(record),
                    record.getStage().name().toLowerCase(Locale.ROOT));
        }
    }

    private void onModel(ModelVersion model) {
        ModelVersion previous = observations.model(model);
        if (previous != null && previous.getStage() == model.getStage()) {
            return;
        }
        Map<String, Double> metrics = model.getOfflineMetrics();
        String auc = format(metrics.get("roc_auc"));
        Map<String, Double> prior = model.getBaselineMetrics().getOrDefault("class_prior", Map.of());
        String why = model.getHistory().isEmpty() ? ""
                : model.getHistory().get(model.getHistory().size() - 1).getReason();
        boolean online = why.contains("on online evidence") || why.contains("shadow stage passed");
        if (model.getStage() == Stage.CHAMPION && online) {
            print("model", "%s promoted to CHAMPION on online evidence: %s", model.getVersion(), shorten(why));
        } else if (model.getStage() == Stage.CHAMPION) {
            String champion = model.getChampionMetrics() == null ? "no previous champion"
                    : "previous champion " + format(model.getChampionMetrics().get("roc_auc"));
            print("model", "%s promoted to CHAMPION: ROC AUC %s on %d held-out newer examples "
                            + "(class prior %s, %s), trained on %d by trigger %s",
                    model.getVersion(), auc, model.getLineage().getHoldoutExamples(), format(prior.get("roc_auc")),
                    champion, model.getLineage().getTrainExamples(), model.getLineage().getTriggerReason());
        } else if (model.getStage() == Stage.REJECTED && online) {
            print("model", "%s ROLLED BACK by itself: %s", model.getVersion(), shorten(why));
        } else if (model.getStage() == Stage.REJECTED) {
            List<String> failed = model.getGateReport().stream().filter(gate -> !gate.getPassed())
                    .map(GateCheck::getExplanation).toList();
            print("model", "%s REJECTED (ROC AUC %s): %s", model.getVersion(), auc, String.join("; ", failed));
        } else if (model.getStage() == Stage.RETIRED) {
            print("model", "%s retired", model.getVersion());
        } else if (model.getStage() == Stage.CANARY || model.getStage() == Stage.SHADOW) {
            print("model", "%s is %s (ROC AUC %s on %d held-out newer examples): %s", model.getVersion(),
                    model.getStage(), auc, model.getLineage().getHoldoutExamples(), shorten(why));
        } else {
            print("model", "%s is %s (ROC AUC %s)", model.getVersion(), model.getStage(), auc);
        }
    }

    /** The evidence up to the decision's bookkeeping (the decision id and who applied it stay in the registry). */
    private static String shorten(String why) {
        int bookkeeping = why.indexOf(" [decision ");
        return bookkeeping < 0 ? why : why.substring(0, bookkeeping);
    }

    private void onRun(TrainingRun run) {
        TrainingRun previous = observations.run(run);
        if (previous == null) {
            print("training", "run %s %s, %s trigger: %s", shortId(run.getRunId()),
                    run.getStatus().name().toLowerCase(Locale.ROOT), run.getTriggerReason(), run.getMessage());
        } else if (previous.getStatus() != run.getStatus() && isFinal(run.getStatus())) {
            print("training", "run %s %s: %s", shortId(run.getRunId()), run.getStatus(), run.getMessage());
        }
    }

    private static boolean isFinal(RunStatus status) {
        return switch (status) {
            case REGISTERED, PROMOTED, REJECTED, FAILED, SKIPPED -> true;
            default -> false;
        };
    }

    private static String shortId(String id) {
        return id.length() <= 8 ? id : id.substring(id.length() - 8);
    }

    private static String format(Double value) {
        return value == null ? "n/a" : String.format(Locale.ROOT, "%.3f", value);
    }

    /** Prints one timeline line, prefixed with the time since the demo started. */
    public void print(String category, String format, Object... args) {
        Duration elapsed = Duration.between(start, Instant.now());
        String line = String.format(Locale.ROOT, "[%02d:%02d] %-10s %s", elapsed.toMinutes(),
                elapsed.toSecondsPart(), category, String.format(Locale.ROOT, format, args));
        synchronized (out) {
            out.println(line);
        }
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
