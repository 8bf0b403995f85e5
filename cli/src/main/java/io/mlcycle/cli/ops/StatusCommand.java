package io.mlcycle.cli.ops;

import io.mlcycle.cli.common.CliException;
import io.mlcycle.cli.common.ConnectionOptions;
import io.mlcycle.cli.common.ExitCodes;
import io.mlcycle.cli.common.OutputOptions;
import io.mlcycle.cli.common.Table;
import io.mlcycle.cli.common.TopicReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code mlcycle status}: the state of the running system at a glance. Reads the pipeline topics without a consumer
 * group, so it never disturbs the services.
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = {"Show the services that are up, consumer lag per stage, the champion and challengers with their "
                + "latest online metrics, the last quality window and the latest alerts.",
                "Services are found at their default ports on 127.0.0.1 unless --service-url says otherwise."})
public final class StatusCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    OutputOptions output;

    @Option(names = {"-p", "--pipeline"}, paramLabel = "P",
            description = "Only this pipeline (default: every pipeline on the cluster).")
    String pipeline;

    @Option(names = "--service-url", paramLabel = "NAME=URL", mapFallbackValue = "",
            description = "A service's HTTP base URL, e.g. validation=http://10.0.0.5:8181 (repeatable; services: "
                    + "ingestion, validation, serving-feedback, training-orchestrator).")
    Map<String, String> serviceUrls = new LinkedHashMap<>();

    @Option(names = "--alerts", paramLabel = "N", defaultValue = "10",
            description = "How many alerts to show: the latest per type and subject (default: ${DEFAULT-VALUE}).")
    int alertLimit;

    @Option(names = "--health-timeout", paramLabel = "DURATION", defaultValue = "PT2S",
            description = "How long to wait for each service's /health/ready (default: ${DEFAULT-VALUE}).")
    Duration healthTimeout;

    @Override
    public Integer call() throws Exception {
        List<ServiceEndpoints.Service> services = ServiceEndpoints.resolve(serviceUrls);
        String bootstrap = connection.platformConfig().bootstrapServers();
        List<PipelineStatus.Pipeline> pipelines = new ArrayList<>();
        try (Admin admin = connection.admin();
             TopicReader reader = new TopicReader(connection.consumerProperties("status"), connection.registryClient())) {
            List<String> names = PipelineStatus.pipelines(admin);
            if (pipeline != null) {
                if (!names.contains(pipeline)) {
                    throw CliException.notFound("no pipeline '" + pipeline + "' on " + bootstrap
                            + (names.isEmpty() ? " (no pipelines)" : " (pipelines: " + String.join(", ", names) + ")"));
                }
                names = List.of(pipeline);
            } else if (names.isEmpty()) {
                throw CliException.notFound("no pipelines on " + bootstrap + " (no <pipeline>.models topic)");
            }
            for (String name : names) {
                List<PipelineStatus.StageLag> stages = new ArrayList<>();
                for (ServiceEndpoints.Service service : services) {
                    if (service.consumes()) {
                        stages.add(PipelineStatus.lag(admin, service, name));
                    }
                }
                pipelines.add(new PipelineStatus.Pipeline(name, stages, PipelineStatus.models(reader, name, 500),
                        PipelineStatus.lastQuality(reader, name), PipelineStatus.alerts(reader, name, 500, alertLimit)));
            }
        }
        PipelineStatus.Report report = new PipelineStatus.Report(bootstrap,
                PipelineStatus.health(services, healthTimeout), pipelines);
        PrintWriter out = spec.commandLine().getOut();
        if (output.json()) {
            OutputOptions.printJson(out, report);
        } else {
            print(out, report);
        }
        return ExitCodes.OK;
    }

    static void print(PrintWriter out, PipelineStatus.Report report) {
        out.println("SERVICES (bootstrap " + report.bootstrapServers() + ")");
        Table services = Table.of("SERVICE", "URL", "STATE", "DETAIL");
        for (PipelineStatus.ServiceHealth health : report.services()) {
            String detail = health.detail() != null ? health.detail()
                    : health.failingChecks().isEmpty() ? "" : "failing: " + String.join(", ", health.failingChecks());
            services.row(health.name(), health.url(), health.state(), detail);
        }
        services.print(out);
        for (PipelineStatus.Pipeline p : report.pipelines()) {
            out.println();
            out.println("PIPELINE " + p.pipeline());
            out.println();
            Table lag = Table.of("STAGE", "GROUP", "STATE").right("MEMBERS").right("LAG").left("LAG BY TOPIC");
            for (PipelineStatus.StageLag stage : p.stages()) {
                lag.row(stage.service(), stage.group(), stage.state(), stage.members(), stage.lag(),
                        stage.lagByTopic().entrySet().stream().filter(e -> e.getValue() > 0)
                                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" ")));
            }
            lag.print(out);
            out.println();
            if (p.models().isEmpty()) {
                out.println("MODELS: none live yet");
            } else {
                Table models = Table.of("MODEL", "STAGE", "ONLINE WINDOW END").right("PREDICTIONS").right("LABELED")
                        .left("ONLINE METRICS");
                for (PipelineStatus.ModelRow model : p.models()) {
                    models.row(model.version(), model.stage(), model.onlineWindowEnd(), model.predictions(),
                            model.labeled(), model.onlineMetrics().entrySet().stream()
                                    .map(e -> e.getKey() + "=" + String.format(java.util.Locale.ROOT, "%.4f", e.getValue()))
                                    .collect(Collectors.joining(" ")));
                }
                models.print(out);
            }
            out.println();
            PipelineStatus.Quality q = p.lastQualityWindow();
            if (q == null) {
                out.println("QUALITY: no window closed yet");
            } else {
                out.printf("QUALITY window %s (%s .. %s): %d records, %d passed, %d quarantined, drifted: %s%n",
                        q.windowId(), q.windowStart(), q.windowEnd(), q.records(), q.passed(), q.quarantined(),
                        q.driftedFeatures().isEmpty() ? "none" : String.join(", ", q.driftedFeatures()));
            }
            out.println();
            if (p.alerts().isEmpty()) {
                out.println("ALERTS: none");
            } else {
                Table alerts = Table.of("RAISED", "SEVERITY", "TYPE", "SUBJECT", "SOURCE", "MESSAGE");
                p.alerts().forEach(a -> alerts.row(a.raisedAt(), a.severity(), a.type(), a.subject(), a.source(), a.message()));
                out.println("ALERTS (latest per type and subject)");
                alerts.print(out);
            }
        }
        out.flush();
    }
}
