package io.mlcycle.cli.ops;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.cli.common.CliErrors;
import io.mlcycle.cli.common.OutputOptions;
import io.mlcycle.cli.common.TopicReader;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;

/**
 * What {@code mlcycle status} shows, gathered from the cluster and the services: each service's readiness (its
 * {@code /health/ready}), each consuming service's lag (committed offsets of its group against the read-committed end
 * offsets), the live model versions with their latest online metrics, the last quality window and the latest alert
 * per type and subject. Records serialize to the {@code --json} output as they are.
 */
final class PipelineStatus {

    /** Stages shown, in this order; retired and rejected versions are history, not status. */
    static final List<String> LIVE_STAGES = List.of("CHAMPION", "CANARY", "SHADOW", "CANDIDATE");

    record ServiceHealth(String name, String url, String state, List<String> failingChecks, String detail) {
    }

    record StageLag(String service, String group, String state, int members, long lag, Map<String, Long> lagByTopic) {
    }

    record ModelRow(String version, String stage, String onlineWindowEnd, Long predictions, Long labeled,
                    Map<String, Double> onlineMetrics) {
    }

    record Quality(String windowId, String windowStart, String windowEnd, long records, long passed, long quarantined,
                   List<String> driftedFeatures) {
    }

    record AlertRow(String raisedAt, String severity, String type, String subject, String source, String message) {
    }

    record Pipeline(String pipeline, List<StageLag> stages, List<ModelRow> models, Quality lastQualityWindow,
                    List<AlertRow> alerts) {
    }

    record Report(String bootstrapServers, List<ServiceHealth> services, List<Pipeline> pipelines) {
    }

    private PipelineStatus() {
    }

    /** The pipelines on the cluster: every {@code <p>.models} topic names one. */
    static List<String> pipelines(Admin admin) throws ExecutionException, InterruptedException {
        String suffix = "." + Topics.MODELS.suffix();
        Set<String> names = new TreeSet<>();
        for (String topic : admin.listTopics().names().get()) {
            if (topic.endsWith(suffix) && topic.length() > suffix.length()) {
                String pipeline = topic.substring(0, topic.length() - suffix.length());
                try {
                    io.mlcycle.schemas.TopicDescriptor.requireValidPipelineName(pipeline);
                    names.add(pipeline);
                } catch (IllegalArgumentException notAPipeline) {
                    // Some other application's topic that happens to end in ".models".
                }
            }
        }
        return List.copyOf(names);
    }

    static List<ServiceHealth> health(List<ServiceEndpoints.Service> services, Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build();
        List<ServiceHealth> result = new ArrayList<>();
        for (ServiceEndpoints.Service service : services) {
            URI ready = URI.create(service.baseUrl() + "/health/ready");
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(ready).timeout(timeout).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                List<String> failing = new ArrayList<>();
                try {
                    JsonNode checks = OutputOptions.JSON.readTree(response.body()).path("checks");
                    checks.fields().forEachRemaining(check -> {
                        if (!"UP".equals(check.getValue().asText())) {
                            failing.add(check.getKey());
                        }
                    });
                } catch (java.io.IOException | RuntimeException notJson) {
                    // The state comes from the status code; the body only names failing checks.
                }
                String state = switch (response.statusCode()) {
                    case 200 -> "READY";
                    case 503 -> "NOT_READY";
                    default -> "HTTP_" + response.statusCode();
                };
                result.add(new ServiceHealth(service.name(), service.baseUrl().toString(), state, failing, null));
            } catch (java.net.ConnectException e) {
                // The JDK client reports a refused connection without a message of its own.
                result.add(new ServiceHealth(service.name(), service.baseUrl().toString(), "DOWN", List.of(),
                        "not reachable (connection refused)"));
            } catch (java.net.http.HttpTimeoutException e) {
                result.add(new ServiceHealth(service.name(), service.baseUrl().toString(), "DOWN", List.of(),
                        "no answer within " + timeout.toMillis() + " ms"));
            } catch (java.io.IOException e) {
                result.add(new ServiceHealth(service.name(), service.baseUrl().toString(), "DOWN", List.of(),
                        CliErrors.describe(e)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return result;
    }

    static StageLag lag(Admin admin, ServiceEndpoints.Service service, String pipeline)
            throws ExecutionException, InterruptedException {
        String group = service.groupId(pipeline);
        String state;
        int members;
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
            state = description.groupState().toString();
            members = description.members().size();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw e;
            }
            state = "NONE";
            members = 0;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>(
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get());
        committed.values().removeIf(java.util.Objects::isNull);
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        committed.keySet().forEach(tp -> latest.put(tp, OffsetSpec.latest()));
        Map<String, Long> byTopic = new TreeMap<>();
        long total = 0;
        if (!latest.isEmpty()) {
            var ends = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            for (var entry : committed.entrySet()) {
                long lag = Math.max(0, ends.get(entry.getKey()).offset() - entry.getValue().offset());
                byTopic.merge(entry.getKey().topic(), lag, Long::sum);
                total += lag;
            }
        }
        return new StageLag(service.name(), group, state, members, total, byTopic);
    }

    /** Live versions (latest value per key of the compacted models topic) with their latest online metrics. */
    static List<ModelRow> models(TopicReader reader, String pipeline, int metricsScan) {
        Map<String, JsonNode> versions = new LinkedHashMap<>();
        for (TopicReader.Decoded record : reader.readAll(Topics.MODELS.name(pipeline))) {
            if (record.error() != null || record.key() == null) {
                continue;
            }
            if (record.value().isNull()) {
                versions.remove(record.key());
            } else {
                versions.put(record.key(), record.value());
            }
        }
        Map<String, JsonNode> latestMetrics = new HashMap<>();
        for (TopicReader.Decoded record : reader.readLast(Topics.MONITORING_METRICS.name(pipeline), metricsScan)) {
            if (record.error() != null || record.value() == null || record.value().isNull()) {
                continue;
            }
            String version = record.value().path("model_version").asText();
            JsonNode previous = latestMetrics.get(version);
            if (previous == null || record.value().path("window_end").asText()
                    .compareTo(previous.path("window_end").asText()) >= 0) {
                latestMetrics.put(version, record.value());
            }
        }
        List<ModelRow> rows = new ArrayList<>();
        for (JsonNode version : versions.values()) {
            String stage = version.path("stage").asText();
            if (!LIVE_STAGES.contains(stage)) {
                continue;
            }
            String name = version.path("version").asText();
            JsonNode online = latestMetrics.get(name);
            Map<String, Double> metrics = new TreeMap<>();
            if (online != null) {
                online.path("metrics").fields().forEachRemaining(m -> metrics.put(m.getKey(), m.getValue().asDouble()));
            }
            rows.add(new ModelRow(name, stage, online == null ? null : online.path("window_end").asText(),
                    online == null ? null : online.path("predictions").asLong(),
                    online == null ? null : online.path("labeled").asLong(), metrics));
        }
        rows.sort(Comparator.comparingInt((ModelRow row) -> LIVE_STAGES.indexOf(row.stage()))
                .thenComparing(ModelRow::version, Comparator.reverseOrder()));
        return rows;
    }

    /** The quality report with the latest window end, or null if none yet. */
    static Quality lastQuality(TopicReader reader, String pipeline) {
        JsonNode last = null;
        for (TopicReader.Decoded record : reader.readLast(Topics.QUALITY_REPORTS.name(pipeline), 5)) {
            if (record.error() == null && record.value() != null && !record.value().isNull()
                    && (last == null || record.value().path("window_end").asText()
                    .compareTo(last.path("window_end").asText()) >= 0)) {
                last = record.value();
            }
        }
        if (last == null) {
            return null;
        }
        List<String> drifted = new ArrayList<>();
        for (JsonNode score : last.path("drift")) {
            if (score.path("drifted").asBoolean() && !drifted.contains(score.path("feature").asText())) {
                drifted.add(score.path("feature").asText());
            }
        }
        return new Quality(last.path("window_id").asText(), last.path("window_start").asText(),
                last.path("window_end").asText(), last.path("record_count").asLong(), last.path("passed").asLong(),
                last.path("quarantined").asLong(), drifted);
    }

    /** The latest alert per type and subject among the last {@code scan} alerts, newest first, at most {@code limit}. */
    static List<AlertRow> alerts(TopicReader reader, String pipeline, int scan, int limit) {
        Map<String, AlertRow> latest = new LinkedHashMap<>();
        for (TopicReader.Decoded record : reader.readLast(Topics.MONITORING_ALERTS.name(pipeline), scan)) {
            if (record.error() != null || record.value() == null || record.value().isNull()) {
                continue;
            }
            JsonNode alert = record.value();
            String subject = alert.path("subject").isNull() ? null : alert.path("subject").asText(null);
            AlertRow row = new AlertRow(alert.path("raised_at").asText(), alert.path("severity").asText(),
                    alert.path("type").asText(), subject, alert.path("source_service").asText(),
                    alert.path("message").asText());
            String key = row.type() + "|" + subject;
            AlertRow previous = latest.get(key);
            if (previous == null || row.raisedAt().compareTo(previous.raisedAt()) >= 0) {
                latest.put(key, row);
            }
        }
        return latest.values().stream().sorted(Comparator.comparing(AlertRow::raisedAt).reversed()).limit(limit).toList();
    }
}
