package io.mlcycle.platform.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mlcycle.localstack.LocalStack;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.kafka.KafkaClients;
import io.mlcycle.platform.kafka.StreamsSettings;
import io.mlcycle.platform.kafka.TopicAdmin;
import io.mlcycle.platform.lifecycle.StreamsRunner;
import io.mlcycle.schemas.compat.CompatibilityLevel;
import io.mlcycle.platform.registry.IncompatibleSchemaException;
import io.mlcycle.platform.registry.RegistryClientSettings;
import io.mlcycle.platform.registry.RegistryUnreachableException;
import io.mlcycle.platform.registry.RestSchemaRegistryClient;
import io.mlcycle.platform.registry.SchemaMetadata;
import io.mlcycle.platform.registry.SchemaNotFoundException;
import io.mlcycle.platform.registry.SubjectNotFoundException;
import io.mlcycle.platform.registry.VersionNotFoundException;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.ConfluentAvroDeserializer;
import io.mlcycle.platform.serde.ConfluentAvroSerde;
import io.mlcycle.platform.serde.ConfluentAvroSerializer;
import io.mlcycle.platform.testavro.Gadget;
import io.mlcycle.platform.testavro.Widget;
import io.mlcycle.schemas.Topics;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The platform against a real embedded Kafka broker and schema registry (local-stack). */
class PlatformIT {

    private static LocalStack stack;
    private static RestSchemaRegistryClient registry;

    @TempDir
    static Path stateDir;

    @BeforeAll
    static void startStack() {
        stack = LocalStack.ephemeral();
        registry = RestSchemaRegistryClient.forUrls(stack.registryUrl());
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    private static PlatformConfig config(String instanceId) {
        return PlatformConfig.from(ConfigSource.of(Map.of(
                "bootstrap.servers", stack.bootstrapServers(),
                "schema.registry.url", stack.registryUrl(),
                "state.dir", stateDir.toString(),
                "instance.id", instanceId)), 0);
    }

    private static Schema thing(String... fields) {
        SchemaBuilder.FieldAssembler<Schema> assembler = SchemaBuilder.record("Thing").namespace("it").fields();
        for (String field : fields) {
            assembler = assembler.requiredString(field);
        }
        return assembler.endRecord();
    }

    @Test
    void restClientSpeaksTheRegistryApi() {
        String subject = "rest-it-value";
        Schema v1 = thing("a");
        Schema v2 = SchemaBuilder.record("Thing").namespace("it").fields().requiredString("a")
                .name("b").type().stringType().stringDefault("x").endRecord();

        int id1 = registry.register(subject, v1);
        int id2 = registry.register(subject, v2);

        assertThat(registry.register(subject, v1)).as("idempotent").isEqualTo(id1);
        assertThat(id2).isNotEqualTo(id1);
        RestSchemaRegistryClient fresh = RestSchemaRegistryClient.forUrls(stack.registryUrl());
        assertThat(fresh.getSchemaById(id1)).isEqualTo(v1);
        assertThat(fresh.getLatestSchemaMetadata(subject)).isEqualTo(new SchemaMetadata(id2, 2, subject, v2));
        assertThat(fresh.getSchemaMetadata(subject, 1)).isEqualTo(new SchemaMetadata(id1, 1, subject, v1));
        assertThat(fresh.lookup(subject, v1).version()).isEqualTo(1);
        assertThat(fresh.getAllSubjects()).contains(subject);
        assertThat(fresh.getAllVersions(subject)).containsExactly(1, 2);
        assertThat(fresh.testCompatibility(subject, thing("a", "c"))).isFalse();
        assertThat(fresh.testCompatibility("no-such-subject", v1)).isTrue();
        // A transitive level judges against every version, as registration does: a required 'b' reads v2's data
        // (which has it) but not v1's.
        Schema requiredB = thing("a", "b");
        fresh.updateCompatibility(subject, CompatibilityLevel.BACKWARD);
        assertThat(fresh.testCompatibility(subject, requiredB)).as("reads v2's data").isTrue();
        fresh.updateCompatibility(subject, CompatibilityLevel.BACKWARD_TRANSITIVE);
        assertThat(fresh.testCompatibility(subject, requiredB)).as("cannot read v1's data").isFalse();

        fresh.updateCompatibility(subject, CompatibilityLevel.NONE);
        assertThat(fresh.getCompatibility(subject)).isEqualTo(CompatibilityLevel.NONE);
        assertThat(fresh.getCompatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(fresh.deleteSubject(subject)).containsExactly(1, 2);
        assertThat(fresh.getAllSubjects()).doesNotContain(subject);
    }

    @Test
    void restClientRaisesTheSpecificExceptions() throws Exception {
        String subject = "errors-it-value";
        registry.register(subject, thing("a"));

        assertThatThrownBy(() -> registry.getLatestSchemaMetadata("missing-it-value")).isInstanceOf(SubjectNotFoundException.class);
        assertThatThrownBy(() -> registry.getSchemaMetadata(subject, 99)).isInstanceOf(VersionNotFoundException.class);
        assertThatThrownBy(() -> registry.getSchemaById(987654)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> registry.lookup(subject, thing("zzz"))).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> registry.register(subject, thing("a", "c")))
                .isInstanceOf(IncompatibleSchemaException.class)
                .satisfies(e -> assertThat(((IncompatibleSchemaException) e).status()).isEqualTo(409));

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        RestSchemaRegistryClient dead = new RestSchemaRegistryClient(RegistryClientSettings
                .forUrls("http://127.0.0.1:" + closedPort).withRetries(2, Duration.ofMillis(10)));
        assertThatThrownBy(dead::getAllSubjects).isInstanceOf(RegistryUnreachableException.class)
                .hasMessageContaining("127.0.0.1:" + closedPort);
    }

    @Test
    void plainKafkaClientsUseTheSerdeThroughProperties() throws Exception {
        String topic = "plain-clients-it";
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config("plain-it")))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Properties producerProps = new Properties();
        producerProps.put("bootstrap.servers", stack.bootstrapServers());
        producerProps.put("key.serializer", StringSerializer.class.getName());
        producerProps.put("value.serializer", ConfluentAvroSerializer.class.getName());
        producerProps.put("schema.registry.url", stack.registryUrl());
        producerProps.put("value.subject.name.strategy", "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy");
        Widget widget = Widget.newBuilder().setName("bolt").setCount(12).build();
        try (KafkaProducer<String, Object> producer = new KafkaProducer<>(producerProps)) {
            producer.send(new ProducerRecord<>(topic, "k1", widget)).get();
        }

        Properties consumerProps = new Properties();
        consumerProps.put("bootstrap.servers", stack.bootstrapServers());
        consumerProps.put("group.id", "plain-clients-it");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("key.deserializer", StringDeserializer.class.getName());
        consumerProps.put("value.deserializer", ConfluentAvroDeserializer.class.getName());
        consumerProps.put("schema.registry.url", stack.registryUrl());
        consumerProps.put("specific.avro.reader", "true");
        List<Object> values = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerProps)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return !values.isEmpty();
            });
        }

        assertThat(values).containsExactly(widget);
        assertThat(registry.getAllSubjects()).contains(topic + "-io.mlcycle.platform.testavro.Widget");
    }

    /**
     * A producer using Confluent 8.1+'s HeaderSchemaIdSerializer registers the schema, takes the GUID from the
     * registry's answer, writes plain Avro and puts 0x01 + GUID in the {@code __value_schema_id} header. Our
     * deserializer, configured from plain properties, resolves that GUID through the local registry.
     */
    @Test
    void recordsWithConfluentHeaderSchemaIdsAreRead() throws Exception {
        String topic = "header-ids-it";
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config("header-it")))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Widget widget = Widget.newBuilder().setName("nut").setCount(3).build();
        HttpResponse<String> registered = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(stack.registryUrl() + "/subjects/" + topic + "-value/versions?normalize=false"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString(new com.fasterxml.jackson.databind.ObjectMapper()
                        .writeValueAsString(Map.of("schemaType", "AVRO", "schema", Widget.getClassSchema().toString()))))
                .build(), HttpResponse.BodyHandlers.ofString());
        java.util.UUID guid = java.util.UUID.fromString(new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(registered.body()).path("guid").asText());
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(body, null);
        new org.apache.avro.specific.SpecificDatumWriter<Widget>(Widget.getClassSchema()).write(widget, encoder);
        encoder.flush();
        byte[] header = java.nio.ByteBuffer.allocate(17).put((byte) 1).putLong(guid.getMostSignificantBits())
                .putLong(guid.getLeastSignificantBits()).array();

        Properties producerProps = new Properties();
        producerProps.put("bootstrap.servers", stack.bootstrapServers());
        producerProps.put("key.serializer", StringSerializer.class.getName());
        producerProps.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(producerProps)) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "k1", body.toByteArray());
            record.headers().add("__value_schema_id", header);
            producer.send(record).get();
        }

        Properties consumerProps = new Properties();
        consumerProps.put("bootstrap.servers", stack.bootstrapServers());
        consumerProps.put("group.id", "header-ids-it");
        consumerProps.put("auto.offset.reset", "earliest");
        consumerProps.put("key.deserializer", StringDeserializer.class.getName());
        consumerProps.put("value.deserializer", ConfluentAvroDeserializer.class.getName());
        consumerProps.put("schema.registry.url", stack.registryUrl());
        consumerProps.put("specific.avro.reader", "true");
        List<Object> values = new ArrayList<>();
        try (KafkaConsumer<String, Object> consumer = new KafkaConsumer<>(consumerProps)) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                return !values.isEmpty();
            });
        }

        assertThat(registered.statusCode()).isEqualTo(200);
        assertThat(values).containsExactly(widget);
        assertThat(registry.getSchemaByGuid(guid.toString())).isEqualTo(Widget.getClassSchema());
    }

    @Test
    void ensureTopicsCreatesThePipelineTopicsOnce() throws Exception {
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config("topics-it")))) {
            List<String> created = TopicAdmin.ensureTopics(admin, "itpipe", Topics.all());
            List<String> again = TopicAdmin.ensureTopics(admin, "itpipe", Topics.all());

            assertThat(created).hasSize(Topics.all().size()).contains("itpipe.data.raw", "itpipe.models");
            assertThat(again).isEmpty();
            TopicDescription models = admin.describeTopics(Set.of("itpipe.models")).allTopicNames().get().get("itpipe.models");
            assertThat(models.partitions()).hasSize(Topics.MODELS.partitions());
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, "itpipe.models");
            assertThat(admin.describeConfigs(Set.of(resource)).all().get().get(resource).get("cleanup.policy").value())
                    .isEqualTo("compact");
        }
    }

    @Test
    void aServiceRefusesToStartWhenItsJoinedTopicsAreNotCoPartitioned() throws Exception {
        PlatformConfig config = config("copartition-it");
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
            TopicAdmin.ensureTopics(admin, "skewed", Topics.all());
            // An operator scaled one joined topic out and not the others.
            admin.createPartitions(Map.of("skewed.feedback", org.apache.kafka.clients.admin.NewPartitions.increaseTo(
                    Topics.FEEDBACK.partitions() * 2))).all().get();
            // The broker's metadata catches up with the controller shortly after.
            await().atMost(java.time.Duration.ofSeconds(30)).until(() -> admin.describeTopics(Set.of("skewed.feedback"))
                    .allTopicNames().get().get("skewed.feedback").partitions().size() == Topics.FEEDBACK.partitions() * 2);
        }
        assertThatThrownBy(() -> io.mlcycle.platform.kafka.PipelineBootstrap.prepare(config, "skewed", thing("id"), registry))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("skewed.data.validated=" + Topics.DATA_VALIDATED.partitions())
                .hasMessageContaining("skewed.predictions=" + Topics.PREDICTIONS.partitions())
                .hasMessageContaining("skewed.feedback=" + Topics.FEEDBACK.partitions() * 2)
                .hasMessageContaining("co-partitioned");
        // Scaled out together, it starts.
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
            admin.createPartitions(Map.of(
                    "skewed.data.validated", org.apache.kafka.clients.admin.NewPartitions.increaseTo(Topics.FEEDBACK.partitions() * 2),
                    "skewed.predictions", org.apache.kafka.clients.admin.NewPartitions.increaseTo(Topics.FEEDBACK.partitions() * 2)))
                    .all().get();
        }
        await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(io.mlcycle.platform.kafka.PipelineBootstrap.prepare(config, "skewed", thing("id"), registry)
                        .serdes().pipeline()).isEqualTo("skewed"));
    }

    @Test
    void streamsRunnerRunsATopologyAndReportsReady() throws Exception {
        PlatformConfig config = config("streams-it");
        String input = "runner-in-it";
        String output = "runner-out-it";
        try (Admin admin = Admin.create(KafkaClients.adminProperties(config))) {
            admin.createTopics(List.of(new NewTopic(input, 1, (short) 1), new NewTopic(output, 1, (short) 1))).all().get();
        }
        ConfluentAvroSerde<Gadget> gadgetSerde = new ConfluentAvroSerde<>(registry,
                AvroSerdeConfig.defaults().withSpecificReaderClass(Gadget.class));
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(input, Consumed.with(Serdes.String(), gadgetSerde))
                .mapValues(g -> Gadget.newBuilder(g).setCount(g.getCount() * 2).build())
                .to(output, Produced.with(Serdes.String(), gadgetSerde));

        try (HttpServerHost http = HttpServerHost.create(config, "streams-it");
             StreamsRunner runner = StreamsRunner.start("streams-it", builder.build(),
                     StreamsSettings.forApplication(config, "platform-streams-it"))) {
            http.readinessCheck("kafka-streams", runner::isReady).start();
            http.bindKafkaStreams(runner.streams());
            await().atMost(Duration.ofSeconds(60)).until(runner::isReady);
            HttpClient client = HttpClient.newHttpClient();
            HttpResponse<String> ready = client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);

            Properties producerProps = KafkaClients.producerProperties(config, "it-producer");
            try (KafkaProducer<String, Gadget> producer = new KafkaProducer<>(producerProps, new StringSerializer(),
                    gadgetSerde.serializer())) {
                producer.send(new ProducerRecord<>(input, "g1", Gadget.newBuilder().setName("g").setCount(21).build())).get();
            }
            Properties consumerProps = KafkaClients.consumerProperties(config, "runner-it-check", "it-consumer");
            List<ConsumerRecord<String, Gadget>> out = new ArrayList<>();
            try (KafkaConsumer<String, Gadget> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(),
                    gadgetSerde.deserializer())) {
                consumer.subscribe(List.of(output));
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(out::add);
                    return !out.isEmpty();
                });
            }
            assertThat(out.get(0).key()).isEqualTo("g1");
            assertThat(out.get(0).value().getCount()).isEqualTo(42);
            assertThat(runner.state()).isIn(KafkaStreams.State.RUNNING, KafkaStreams.State.REBALANCING);

            String metrics = client.send(HttpRequest.newBuilder(URI.create(http.baseUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("kafka_stream");
        }
    }
}
