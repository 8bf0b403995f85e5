package io.mlcycle.orchestrator;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.http.AdminTokens;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.kafka.KafkaClients;
import io.mlcycle.platform.lifecycle.Terminating;
import io.mlcycle.platform.kafka.PipelineBootstrap;
import io.mlcycle.schemas.Topics;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The training orchestrator: turns training triggers into training runs and runs into registered, gated model
 * versions.
 *
 * <p>Inputs: {@code <p>.training.triggers} (TrainingTrigger, from anyone; consumed in the group
 * {@code mlcycle-<p>-training-orchestrator}), {@code <p>.examples.labeled} (LabeledExample; counted continuously for
 * the bootstrap and volume triggers, read by offsets for datasets), {@code <p>.models} (ModelVersion; replayed from
 * the start on startup to know the champion and the highest version number, then followed), {@code <p>.models.decisions}
 * (StageDecision: applied by the owner; read from the start by every instance to follow the answers).
 * Outputs: {@code <p>.training.triggers} (its own BOOTSTRAP, VOLUME and HTTP MANUAL triggers), {@code <p>.training.runs}
 * (run progress, keyed by run id, transactional with the registry's producer: fenced like the registry writes),
 * {@code <p>.models} (versions and stage changes, keyed by version, transactional), {@code <p>.models.decisions} (a
 * standby's forwarded promote, rollback and stage requests),
 * {@code <p>.monitoring.alerts} (GATE_FAILURE). Stage decisions on online evidence ({@code <p>.models.decisions}, from
 * serving) are applied to the registry by {@link StageDecisionConsumer}, exactly once; it answers each forwarded
 * request on the same topic, and every instance follows the answers ({@link ForwardedRequests}).
 *
 * <p>Threads: one control loop (the consumers of triggers, labeled examples and models, and the reader of every
 * decision from the start for {@link ForwardedRequests}; trigger decisions, starting a deferred trigger once the run
 * and the cooldown are over, the volume check every {@code orchestrator.volume.check.interval}), one worker
 * (training runs, one at a time), and the HTTP host. Ready once the models topic has been replayed.
 */
public final class OrchestratorService implements AutoCloseable, Terminating {

    private static final Logger LOG = LoggerFactory.getLogger(OrchestratorService.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration RETRY_BACKOFF = Duration.ofSeconds(1);

    private final OrchestratorConfig config;
    private final String pipeline;
    private final OrchestratorSerdes serdes;
    private final ModelRegistry registry;
    private final RunTracker runs;
    private final EventPublisher publisher;
    private final ModelRegistryWriter registryWriter;
    private final StageDecisionConsumer decisions;
    private final TrainingCoordinator coordinator;
    private final LabeledVolumeTracker volume = new LabeledVolumeTracker();
    private final ConcurrentLinkedQueue<Map<Integer, Long>> baselineUpdates = new ConcurrentLinkedQueue<>();
    private final KafkaConsumer<String, TrainingTrigger> triggerConsumer;
    private final KafkaConsumer<String, ModelVersion> modelsConsumer;
    private final KafkaConsumer<String, Alert> alertsConsumer;
    /** Every instance follows {@code <p>.models.decisions} for the forwarded requests' answers. */
    private final KafkaConsumer<String, io.mlcycle.avro.StageDecision> requestsConsumer;
    private final ForwardedRequests requests;
    private final RegistryGuard guard;
    private final TriggerOffsets triggerOffsets = new TriggerOffsets();
    /** Triggers whose outcome is already final (from {@code <p>.training.runs} and the registry) at start. */
    private final java.util.Set<String> finishedTriggers = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.CompletableFuture<Void> terminated = new java.util.concurrent.CompletableFuture<>();
    private final KafkaConsumer<byte[], byte[]> labeledCounter;
    private final HttpServerHost http;
    private final Thread controlThread;
    private final CountDownLatch controlStopped = new CountDownLatch(1);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private volatile boolean running = true;
    private volatile boolean modelsReplayed;
    private volatile boolean controlAlive = true;
    /** This instance holds the trigger partition (consumer group), has fenced the others and reconciled the runs. */
    private volatile boolean active;
    /** The trigger partition is assigned here, but taking ownership failed; retried by the control loop. */
    private boolean ownershipPending;
    /** The trigger partition's end when ownership was taken: no automatic trigger before it has been read. */
    private Map<TopicPartition, Long> triggersBacklog = Map.of();
    /** Fault seam for tests: runs at the top of every control-loop iteration (stall it, or make it die). */
    volatile Runnable controlLoopHook = () -> { };

    /** Run messages that mark a FAILED run whose trigger is handled again: not that trigger's final outcome. */
    static final String INTERRUPTED = "interrupted: ";
    static final String FENCED = "fenced: ";

    private OrchestratorService(OrchestratorConfig config) {
        this.config = config;
        this.pipeline = config.pipeline();
        PlatformConfig platform = config.platform();
        try {
            this.serdes = new OrchestratorSerdes(
                    PipelineBootstrap.prepare(platform, pipeline, config.spec().dataSchema()).serdes());

            ModelSigning signing;
            try {
                signing = ModelSigning.fromConfig(platform.source().find(ModelSigning.CONFIG_KEY));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
            this.registry = new ModelRegistry(pipeline, signing);
            this.guard = new RegistryGuard(pipeline, registry);

            Properties registryProducer = KafkaClients.producerProperties(platform, "orchestrator-registry");
            registryProducer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.applicationId() + "-registry");
            registryProducer.put(ProducerConfig.LINGER_MS_CONFIG, "0");
            // one transactional id for every instance of the pipeline: the owner's initTransactions fences the others
            this.registryWriter = new ModelRegistryWriter(
                    () -> new KafkaProducer<>(registryProducer, new ByteArraySerializer(), new ByteArraySerializer()),
                    Topics.MODELS.name(pipeline), Topics.MONITORING_ALERTS.name(pipeline), serdes.keySerializer(),
                    serdes.modelSerializer(), serdes.alertSerializer(), config.kafkaTimeout(), signing);
            closeables.add(registryWriter);
            this.publisher = new EventPublisher(
                    new KafkaProducer<>(KafkaClients.producerProperties(platform, "orchestrator-events"),
                            new ByteArraySerializer(), new ByteArraySerializer()),
                    Topics.TRAINING_TRIGGERS.name(pipeline), Topics.TRAINING_RUNS.name(pipeline),
                    serdes.keySerializer(), serdes.triggerSerializer(), serdes.runSerializer(),
                    config.kafkaTimeout(),
                    // run progress through the registry's transactional producer: fenced with the registry writes, so
                    // a zombie cannot reopen a run the owner has recorded as interrupted
                    registryWriter::writeRecord);
            closeables.add(publisher);
            this.runs = new RunTracker(pipeline, run -> publisher.publishRun(run, () -> {
                if (isFinal(run.getStatus())) {
                    triggerOffsets.finished(run.getTriggerId());
                }
            }), config.runsHistory(), Clock.systemUTC());
            this.decisions = new StageDecisionConsumer(pipeline, Topics.MODELS_DECISIONS.name(pipeline),
                    new KafkaConsumer<>(KafkaClients.consumerProperties(platform, config.applicationId() + "-decisions",
                            "orchestrator-decisions"), serdes.keyDeserializer(), serdes.decisionDeserializer()),
                    serdes.keySerializer(), serdes.decisionSerializer(), registry, registryWriter,
                    guard::previousChampion, config.spec().canary(),
                    // not before ownership is complete: the former owner's last registry writes are read first
                    () -> modelsReplayed && active, Clock.systemUTC(), config.kafkaTimeout());
            closeables.add(decisions);

            DatasetReader reader = new DatasetReader(config.datasetTimeout());
            String labeledTopic = Topics.EXAMPLES_LABELED.name(pipeline);
            TrainingCoordinator.DatasetSource datasets = TrainingCoordinator.datasetSource(
                    this::newDatasetConsumer, reader, labeledTopic, config.spec().training().maxExamples());
            this.coordinator = new TrainingCoordinator(pipeline, TriggerPolicy.fromSpec(config.spec()), registry,
                    runs, new TrainingRunner(config.spec(), Clock.systemUTC()), datasets, registryWriter,
                    publisher::publishTrigger, serdes::schemaIds, baselineUpdates::add, config.codeVersion(),
                    Clock.systemUTC());
            closeables.add(coordinator);

            Properties triggerProps = KafkaClients.consumerProperties(platform, config.applicationId(),
                    "orchestrator-triggers");
            // sticky and cooperative: an instance joining does not take the pipeline from a live owner mid-run
            triggerProps.putIfAbsent(org.apache.kafka.clients.consumer.ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG,
                    org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
            this.triggerConsumer = new KafkaConsumer<>(triggerProps, serdes.keyDeserializer(),
                    serdes.triggerDeserializer());
            closeables.add(triggerConsumer);
            this.modelsConsumer = new KafkaConsumer<>(
                    KafkaClients.consumerProperties(platform, null, "orchestrator-models"),
                    serdes.keyDeserializer(), serdes.modelDeserializer());
            closeables.add(modelsConsumer);
            this.alertsConsumer = new KafkaConsumer<>(
                    KafkaClients.consumerProperties(platform, null, "orchestrator-alerts"),
                    serdes.keyDeserializer(), serdes.alertDeserializer());
            closeables.add(alertsConsumer);
            this.requests = new ForwardedRequests(pipeline, signing);
            this.requestsConsumer = new KafkaConsumer<>(
                    KafkaClients.consumerProperties(platform, null, "orchestrator-requests"),
                    serdes.keyDeserializer(), serdes.decisionDeserializer());
            closeables.add(requestsConsumer);
            this.labeledCounter = new KafkaConsumer<>(
                    KafkaClients.consumerProperties(platform, null, "orchestrator-volume"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer());
            closeables.add(labeledCounter);

            this.http = HttpServerHost.create(platform, OrchestratorConfig.SERVICE_NAME);
            closeables.add(http);
            OrchestratorHttp api = new OrchestratorHttp(pipeline, coordinator, registry, runs,
                    AdminTokens.fromConfig(platform.source().find(AdminTokens.CONFIG_KEY)), guard,
                    config.spec().canary(), requests, planner -> {
                        if (!active) {
                            // promote, rollback and stage are forwarded from a standby (see Forwarding): only a
                            // request that raced with a loss of ownership ends here
                            throw io.mlcycle.platform.http.HttpProblem.unavailable("This orchestrator instance lost "
                                    + "pipeline '" + pipeline + "' to another instance (it holds the trigger "
                                    + "partition) while planning the request; send it again (it is forwarded to the "
                                    + "owner from here)");
                        }
                        // planned and written under the lock stage decisions and expiries hold, as one step
                        synchronized (registryWriter) {
                            StagePlanner.RegistryUpdate update = planner.get();
                            registryWriter.write(update).forEach(registry::apply);
                            return update;
                        }
                    }, new OrchestratorHttp.Forwarding() {
                        @Override
                        public boolean owns() {
                            return active;
                        }

                        @Override
                        public boolean registryReplayed() {
                            return modelsReplayed;
                        }

                        @Override
                        public String instance() {
                            return platform.instanceId();
                        }

                        @Override
                        public void forward(io.mlcycle.avro.StageDecision request) {
                            publisher.publishDecision(Topics.MODELS_DECISIONS.name(pipeline), request,
                                    serdes.decisionSerializer());
                        }
                    });
            http.route("POST", OrchestratorHttp.RETRAIN, api::retrain)
                    .route("GET", OrchestratorHttp.MODELS, api::models)
                    .route("GET", OrchestratorHttp.MODEL, api::model)
                    .route("GET", OrchestratorHttp.RUNS, api::runs)
                    .route("GET", OrchestratorHttp.REQUEST, api::request)
                    .route("POST", OrchestratorHttp.PROMOTE, api::promote)
                    .route("POST", OrchestratorHttp.ROLLBACK, api::rollback)
                    .route("POST", OrchestratorHttp.STAGE, api::stage)
                    .readinessCheck("models-replayed", () -> modelsReplayed)
                    .readinessCheck("control-loop", () -> controlAlive)
                    .readinessCheck("stage-decisions", () -> decisions.alive());
            http.bindKafkaConsumer(triggerConsumer);

            this.controlThread = new Thread(this::controlLoop, "orchestrator-" + pipeline + "-control");
            this.controlThread.setDaemon(true);
        } catch (RuntimeException e) {
            closeAll();
            throw e;
        }
    }

    /** Creates the topics, registers the schemas, starts the control loop, the worker and the HTTP host. */
    public static OrchestratorService start(OrchestratorConfig config) {
        OrchestratorService service = new OrchestratorService(config);
        try {
            service.http.start();
            service.controlThread.start();
            service.decisions.start();
        } catch (RuntimeException e) {
            service.close();
            throw e;
        }
        LOG.info("Training orchestrator for pipeline {} started: HTTP {}, spec sha256 {}", service.pipeline,
                service.http.baseUrl(), config.spec().sha256());
        return service;
    }

    /** Ready once the model registry topic has been replayed and the control loop runs. */
    public boolean isReady() {
        return modelsReplayed && controlAlive && running;
    }

    public URI httpBaseUrl() {
        return http.baseUrl();
    }

    public int httpPort() {
        return http.port();
    }

    public OrchestratorConfig config() {
        return config;
    }

    private KafkaConsumer<String, LabeledExample> newDatasetConsumer() {
        Properties props = KafkaClients.consumerProperties(config.platform(), null, "orchestrator-dataset");
        return new KafkaConsumer<>(props, serdes.keyDeserializer(), serdes.labeledDeserializer());
    }

    // ---------------------------------------------------------------- control loop

    private void controlLoop() {
        try {
            startUp();
            triggerConsumer.subscribe(List.of(Topics.TRAINING_TRIGGERS.name(pipeline)), new Ownership());
            Instant nextCheck = Instant.now();
            while (running) {
                try {
                    controlLoopHook.run();
                    pollModels(Duration.ZERO);
                    if (ownershipPending) {
                        becomeActive();
                    }
                    if (active) {
                        repairRegistry();
                    }
                    pollAlerts();
                    pollRequests();
                    pollTriggers();
                    commitTriggers();
                    if (active) {
                        withdrawExpiredTests();
                        coordinator.startDeferredIfDue();
                    }
                    pollLabeled();
                    Map<Integer, Long> baseline;
                    while ((baseline = baselineUpdates.poll()) != null) {
                        volume.setBaseline(baseline);
                    }
                    if (active && backlogRead() && !Instant.now().isBefore(nextCheck)) {
                        coordinator.checkAutomaticTriggers(volume.newExamples());
                        nextCheck = Instant.now().plus(config.volumeCheckInterval());
                    }
                } catch (WakeupException e) {
                    throw e;
                } catch (KafkaException | IllegalStateException e) {
                    LOG.warn("Control loop error, retrying in {}: {}", RETRY_BACKOFF, e.getMessage());
                    backOff();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("Control loop woken up unexpectedly", e);
            }
        } catch (RuntimeException | Error e) {
            LOG.error("The orchestrator's control loop died: no trigger is handled any more; the service stops: {}",
                    e.getMessage(), e);
            controlAlive = false;
            // ServiceMain ends the process (non-zero exit) rather than leave it up looking healthy
            terminated.completeExceptionally(e);
        } finally {
            controlAlive = false;
            controlStopped.countDown();
        }
    }

    /** Replays the registry and positions the volume counter, retrying while the broker is unreachable. */
    private void startUp() {
        while (running) {
            try {
                replayModels();
                startCounting();
                followAlerts();
                followRequests();
                return;
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException | IllegalStateException e) {
                LOG.warn("Start-up reading of {} failed, retrying in {}: {}", Topics.MODELS.name(pipeline),
                        RETRY_BACKOFF, e.getMessage());
                backOff();
            }
        }
    }

    private void backOff() {
        try {
            // a pause between retries against an unavailable broker, not a synchronisation device
            TimeUnit.MILLISECONDS.sleep(RETRY_BACKOFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    /** Reads the compacted models topic from the start up to its current end; then the registry view is complete. */
    private void replayModels() {
        List<TopicPartition> partitions = partitions(modelsConsumer, Topics.MODELS.name(pipeline));
        modelsConsumer.assign(partitions);
        modelsConsumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = modelsConsumer.endOffsets(partitions, config.kafkaTimeout());
        long records = 0;
        while (running && partitions.stream().anyMatch(p -> modelsConsumer.position(p) < end.get(p))) {
            records += pollModels(POLL);
        }
        modelsReplayed = true;
        LOG.info("Model registry replayed: {} records, {} versions, champion {}, next version {}", records,
                registry.all().size(), registry.champion().map(ModelVersion::getVersion).orElse("none"),
                ModelRegistry.versionId(pipeline, registry.nextVersionNumber()));
    }

    /** Starts counting labeled examples after the last registered version's dataset (or from the beginning). */
    private void startCounting() {
        String labeledTopic = Topics.EXAMPLES_LABELED.name(pipeline);
        List<TopicPartition> partitions = partitions(labeledCounter, labeledTopic);
        labeledCounter.assign(partitions);
        labeledCounter.seekToBeginning(partitions);
        Map<Integer, Long> baseline = new HashMap<>();
        registry.latest().ifPresent(latest -> {
            for (OffsetRange range : latest.getLineage().getDataset()) {
                if (range.getTopic().equals(labeledTopic)) {
                    baseline.put(range.getPartition(), range.getEndOffset());
                }
            }
        });
        volume.setBaseline(baseline);
        for (TopicPartition partition : partitions) {
            Long from = baseline.get(partition.partition());
            if (from != null) {
                labeledCounter.seek(partition, from);
            }
        }
    }

    private int pollModels(Duration timeout) {
        ConsumerRecords<String, ModelVersion> records;
        try {
            records = modelsConsumer.poll(timeout);
        } catch (RecordDeserializationException e) {
            LOG.warn("Unreadable registry record at {} offset {} is ignored: {}", e.topicPartition(), e.offset(),
                    e.getMessage());
            modelsConsumer.seek(e.topicPartition(), e.offset() + 1);
            return 0;
        }
        for (ConsumerRecord<String, ModelVersion> record : records) {
            guard.onRecord(record.key(), record.value(), modelsReplayed, Instant.now()).ifPresent(alert -> {
                LOG.error("{}", alert.getMessage());
                try {
                    registryWriter.write(new StagePlanner.RegistryUpdate(List.of(), Optional.of(alert)));
                } catch (KafkaException | IllegalStateException e) {
                    LOG.warn("Could not publish the alert about {}: {}", alert.getSubject(), e.getMessage());
                }
            });
        }
        return records.count();
    }

    /** Writes again the signed state of versions whose latest record was refused or tombstoned. */
    private void repairRegistry() {
        for (ModelVersion version : guard.repairs()) {
            registryWriter.write(new StagePlanner.RegistryUpdate(List.of(version), Optional.empty()));
            guard.repaired(version.getVersion());
            LOG.warn("Wrote the signed state of {} again over a refused record or tombstone", version.getVersion());
        }
    }

    /** Withdraws challengers whose online test outlived {@code promotion.max_test_duration} without a decision. */
    private void withdrawExpiredTests() {
        Duration max = config.spec().canary().maxTestDuration();
        // Runs on every turn of the loop: the lock is taken only when a test has run out of time.
        if (StagePlanner.expiredTests(registry.selection(), max, Instant.now()).isEmpty()) {
            return;
        }
        // Selected again, written and applied under the writer's lock, as stage decisions are: a promotion applied
        // between the selection and the write would otherwise be undone by a RETIRED written from stale state.
        synchronized (registryWriter) {
            for (StagePlanner.RegistryUpdate update : StagePlanner.expiredTests(registry.selection(), max,
                    Instant.now())) {
                registryWriter.write(update).forEach(registry::apply);
                LOG.warn("{} withdrawn: no online decision within promotion.max_test_duration {}",
                        update.versions().get(0).getVersion(), max);
            }
        }
    }

    /**
     * Reads {@code <p>.models.decisions} from its start (decisions are few) and then follows it: the forwarded
     * requests and the owner's answers, for {@code GET .../requests/{id}} on this instance.
     */
    private void followRequests() {
        List<TopicPartition> partitions = partitions(requestsConsumer, Topics.MODELS_DECISIONS.name(pipeline));
        requestsConsumer.assign(partitions);
        requestsConsumer.seekToBeginning(partitions);
        partitions.forEach(requestsConsumer::position);
    }

    private void pollRequests() {
        ConsumerRecords<String, io.mlcycle.avro.StageDecision> records;
        try {
            records = requestsConsumer.poll(Duration.ZERO);
        } catch (RecordDeserializationException e) {
            requestsConsumer.seek(e.topicPartition(), e.offset() + 1);
            return;
        }
        for (ConsumerRecord<String, io.mlcycle.avro.StageDecision> record : records) {
            requests.onDecision(record.value());
        }
    }

    /** Follows the alerts from now on: serving's refusals of registered versions. */
    private void followAlerts() {
        List<TopicPartition> partitions = partitions(alertsConsumer, Topics.MONITORING_ALERTS.name(pipeline));
        alertsConsumer.assign(partitions);
        alertsConsumer.seekToEnd(partitions);
        partitions.forEach(alertsConsumer::position);
    }

    private void pollAlerts() {
        ConsumerRecords<String, Alert> records;
        try {
            records = alertsConsumer.poll(Duration.ZERO);
        } catch (RecordDeserializationException e) {
            alertsConsumer.seek(e.topicPartition(), e.offset() + 1);
            return;
        }
        for (ConsumerRecord<String, Alert> record : records) {
            if (!active) {
                continue;
            }
            guard.onAlert(record.value(), Instant.now()).ifPresent(update -> {
                registryWriter.write(update).forEach(registry::apply);
                LOG.warn("{} marked REJECTED after {} refused it{}", update.candidate().getVersion(),
                        record.value().getSourceService(), update.versions().size() > 1
                                ? "; champion rolled back to " + update.versions().get(1).getVersion() : "");
            });
        }
    }

    /**
     * Hands new triggers to the coordinator. Offsets are not committed here: {@link #commitTriggers} commits a
     * trigger's offset once its run's final record is stored, so a crash before then re-delivers it.
     */
    private void pollTriggers() {
        ConsumerRecords<String, TrainingTrigger> records;
        try {
            records = triggerConsumer.poll(POLL);
        } catch (RecordDeserializationException e) {
            LOG.warn("Unreadable trigger at {} offset {} is ignored: {}", e.topicPartition(), e.offset(),
                    e.getMessage());
            triggerOffsets.received(e.topicPartition(), e.offset(), null);
            triggerConsumer.seek(e.topicPartition(), e.offset() + 1);
            return;
        }
        for (ConsumerRecord<String, TrainingTrigger> record : records) {
            TopicPartition partition = new TopicPartition(record.topic(), record.partition());
            TrainingTrigger trigger = record.value();
            if (trigger == null) {
                triggerOffsets.received(partition, record.offset(), null);
                continue;
            }
            if (finishedTriggers.contains(trigger.getTriggerId())) {
                // re-delivered after a crash between its outcome and the commit: handled already
                LOG.info("Trigger {} ({}) already has a final outcome; not run again", trigger.getTriggerId(),
                        trigger.getReason());
                triggerOffsets.received(partition, record.offset(), null);
                continue;
            }
            triggerOffsets.received(partition, record.offset(), trigger.getTriggerId());
            try {
                coordinator.onTrigger(trigger);
            } catch (RuntimeException e) {
                LOG.error("Trigger at {}-{} offset {} could not be handled: {}", record.topic(), record.partition(),
                        record.offset(), e.getMessage(), e);
                triggerOffsets.finished(trigger.getTriggerId());
            }
        }
    }

    private void commitTriggers() {
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> due = triggerOffsets.committable();
        if (due.isEmpty()) {
            return;
        }
        try {
            triggerConsumer.commitSync(due, config.kafkaTimeout());
            triggerOffsets.committed(due);
        } catch (KafkaException e) {
            LOG.warn("Committing trigger offsets failed (retried; they may be handled again after a restart): {}",
                    e.getMessage());
        }
    }

    /**
     * At start: triggers whose run has a final record on {@code <p>.training.runs}, or whose version is registered,
     * are done (a re-delivered one is not run again); a run left unfinished by a crash is recorded FAILED, and its
     * trigger, whose offset was never committed, is handled again.
     */
    private void reconcileRuns() {
        registry.all().forEach(v -> finishedTriggers.add(v.getLineage().getTriggerId()));
        String runsTopic = Topics.TRAINING_RUNS.name(pipeline);
        Map<String, io.mlcycle.avro.TrainingRun> latest = new HashMap<>();
        try (KafkaConsumer<String, io.mlcycle.avro.TrainingRun> consumer = new KafkaConsumer<>(
                KafkaClients.consumerProperties(config.platform(), null, "orchestrator-runs-reconcile"),
                serdes.keyDeserializer(), serdes.runDeserializer())) {
            List<TopicPartition> partitions = partitions(consumer, runsTopic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, config.kafkaTimeout());
            while (running && partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                try {
                    for (ConsumerRecord<String, io.mlcycle.avro.TrainingRun> record : consumer.poll(POLL)) {
                        if (record.value() != null && pipeline.equals(record.value().getPipeline())) {
                            latest.put(record.value().getRunId(), record.value());
                        }
                    }
                } catch (RecordDeserializationException e) {
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        }
        int interrupted = 0;
        for (io.mlcycle.avro.TrainingRun run : latest.values()) {
            if (settles(run)) {
                finishedTriggers.add(run.getTriggerId());
            }
        }
        for (io.mlcycle.avro.TrainingRun run : latest.values()) {
            if (!isFinal(run.getStatus()) && !finishedTriggers.contains(run.getTriggerId())) {
                interrupted++;
                publisher.publishRun(io.mlcycle.avro.TrainingRun.newBuilder(run).setStatus(RunStatus.FAILED)
                        .setProgress(1.0).setUpdatedAt(Instant.now())
                        .setMessage(INTERRUPTED + "not finished when the orchestrator that ran it stopped or lost "
                                + "the pipeline (last status " + run.getStatus() + "); its trigger was not committed "
                                + "and is handled again").build());
            }
        }
        LOG.info("Runs reconciled: {} runs on {}, {} triggers final, {} interrupted run(s) recorded FAILED",
                latest.size(), runsTopic, finishedTriggers.size(), interrupted);
    }

    /**
     * Whether a run's record is its trigger's outcome: a final status, except a run FAILED because it was
     * interrupted or fenced (its trigger was not committed and is handled again).
     */
    static boolean settles(io.mlcycle.avro.TrainingRun run) {
        String message = run.getMessage() == null ? "" : run.getMessage();
        boolean handledAgain = run.getStatus() == RunStatus.FAILED
                && (message.startsWith(INTERRUPTED) || message.contains(FENCED + "another orchestrator"));
        return isFinal(run.getStatus()) && !handledAgain;
    }

    /** Whether this instance owns the pipeline now (holds the trigger partition); package-private for tests. */
    boolean isActive() {
        return active;
    }

    TrainingCoordinator coordinator() {
        return coordinator;
    }

    /** The runs this instance handled; package-private for tests (a zombie's progress write). */
    RunTracker runs() {
        return runs;
    }

    /** Whether this instance's registry producer may write (false once fenced); package-private for tests. */
    boolean writerOwns() {
        return registryWriter.owns();
    }

    /** Run records this instance could not store because it was fenced; package-private for tests. */
    long runWritesRefused() {
        return publisher.runWritesRefused();
    }

    /**
     * Ownership of the pipeline follows the single partition of {@code <p>.training.triggers} in the consumer group:
     * exactly one live instance holds it. Called on the control thread inside {@code poll}.
     */
    private final class Ownership implements org.apache.kafka.clients.consumer.ConsumerRebalanceListener {
        @Override
        public void onPartitionsAssigned(java.util.Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                // no trigger is handed out before the runs are reconciled
                triggerConsumer.pause(partitions);
                ownershipPending = true;
                try {
                    becomeActive();
                } catch (KafkaException | IllegalStateException e) {
                    LOG.warn("Taking ownership of pipeline {} failed, retrying: {}", pipeline, e.getMessage());
                }
            }
        }

        @Override
        public void onPartitionsRevoked(java.util.Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                standDown("revoked");
            }
        }

        @Override
        public void onPartitionsLost(java.util.Collection<TopicPartition> partitions) {
            if (!partitions.isEmpty()) {
                standDown("lost");
            }
        }
    }

    /**
     * Takes ownership: a fresh registry producer fences every other instance's (their late writes are refused by
     * the broker), the registry is read to its end (so no version number is used twice), the volume count restarts
     * after the latest version's dataset, and unfinished runs are reconciled; only then are triggers handed out.
     */
    private void becomeActive() {
        registryWriter.takeOwnership();
        catchUpModels();
        Map<Integer, Long> baseline = datasetEnds();
        volume.setBaseline(baseline);
        reconcileRuns();
        // triggers published before (e.g. the former owner's BOOTSTRAP) are handled before publishing new ones
        triggersBacklog = triggerConsumer.endOffsets(triggerConsumer.assignment(), config.kafkaTimeout());
        ownershipPending = false;
        active = true;
        triggerConsumer.resume(triggerConsumer.assignment());
        LOG.info("This instance owns pipeline {} now: other instances are fenced; next version {}", pipeline,
                ModelRegistry.versionId(pipeline, registry.nextVersionNumber()));
    }

    private boolean backlogRead() {
        for (Map.Entry<TopicPartition, Long> end : triggersBacklog.entrySet()) {
            if (!triggerConsumer.assignment().contains(end.getKey())
                    || triggerConsumer.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        triggersBacklog = Map.of();
        return true;
    }

    private void standDown(String why) {
        boolean was = active;
        active = false;
        ownershipPending = false;
        registryWriter.releaseOwnership();
        triggerOffsets.clear();
        if (was) {
            LOG.warn("Pipeline {}'s trigger partition was {}: this instance stands by (another instance owns the "
                    + "pipeline)", pipeline, why);
        }
    }

    /** Reads the registry topic up to its current (committed) end. */
    private void catchUpModels() {
        List<TopicPartition> partitions = new ArrayList<>(modelsConsumer.assignment());
        Map<TopicPartition, Long> end = modelsConsumer.endOffsets(partitions, config.kafkaTimeout());
        while (running && partitions.stream().anyMatch(p -> modelsConsumer.position(p) < end.get(p))) {
            pollModels(POLL);
        }
    }

    private Map<Integer, Long> datasetEnds() {
        String labeledTopic = Topics.EXAMPLES_LABELED.name(pipeline);
        Map<Integer, Long> baseline = new HashMap<>();
        registry.latest().ifPresent(latest -> {
            for (OffsetRange range : latest.getLineage().getDataset()) {
                if (range.getTopic().equals(labeledTopic)) {
                    baseline.put(range.getPartition(), range.getEndOffset());
                }
            }
        });
        return baseline;
    }

    static boolean isFinal(RunStatus status) {
        return status == RunStatus.PROMOTED || status == RunStatus.REJECTED || status == RunStatus.FAILED
                || status == RunStatus.SKIPPED || status == RunStatus.REGISTERED;
    }

    @Override
    public java.util.concurrent.CompletionStage<?> terminated() {
        return terminated;
    }

    private void pollLabeled() {
        ConsumerRecords<byte[], byte[]> records = labeledCounter.poll(Duration.ZERO);
        for (ConsumerRecord<byte[], byte[]> record : records) {
            volume.record(record.partition(), record.offset());
        }
    }

    private List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, config.kafkaTimeout());
        if (infos == null || infos.isEmpty()) {
            throw new IllegalStateException("topic " + topic + " has no partitions");
        }
        return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
    }

    // ---------------------------------------------------------------- shutdown

    /** Stops the control loop and the worker (bounded), then closes the clients and the HTTP host. */
    @Override
    public void close() {
        running = false;
        if (controlThread != null && controlThread.isAlive()) {
            triggerConsumer.wakeup();
            modelsConsumer.wakeup();
            alertsConsumer.wakeup();
            requestsConsumer.wakeup();
            labeledCounter.wakeup();
            try {
                if (!controlStopped.await(config.kafkaTimeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("The control loop did not stop within {}", config.kafkaTimeout());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        // before the trigger consumer leaves the group: the run in progress and the hand-over records are written
        // while this instance still owns the pipeline (its run writes are refused once it does not)
        try {
            coordinator.close();
        } finally {
            closeAll(); // its second close of the coordinator finds nothing left to hand over
        }
        LOG.info("Training orchestrator for pipeline {} stopped", pipeline);
    }

    private void closeAll() {
        List<AutoCloseable> reversed = new ArrayList<>(closeables);
        java.util.Collections.reverse(reversed);
        for (AutoCloseable closeable : reversed) {
            try {
                if (closeable instanceof KafkaConsumer<?, ?> consumer) {
                    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(config.kafkaTimeout()));
                } else {
                    closeable.close();
                }
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", closeable.getClass().getSimpleName(), e.getMessage());
            }
        }
        closeables.clear();
    }
}
