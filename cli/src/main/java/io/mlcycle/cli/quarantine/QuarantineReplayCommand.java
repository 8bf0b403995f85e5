package io.mlcycle.cli.quarantine;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.RecordHeader;
import io.mlcycle.schemas.Topics;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code mlcycle quarantine replay --pipeline P --reason R}: re-submits the original bytes and headers of every
 * quarantined record with reason R to {@code <p>.data.raw}, keyed by the original key (the event id), after the spec
 * was fixed. Replaying twice duplicates nothing: validation drops an event id it already validated with the same
 * payload (its duplicate gate). Copies cut to fit the size limit cannot be replayed and are counted as skipped.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
        description = "Re-submits quarantined originals with a reason to <p>.data.raw (after fixing the spec).")
public final class QuarantineReplayCommand implements Callable<Integer> {

    /** Header naming where a replayed record was quarantined from. */
    public static final String REPLAYED_FROM_HEADER = "mlcycle-replayed-from";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @ParentCommand
    QuarantineCommand parent;

    @CommandLine.Mixin
    QuarantineOptions options = new QuarantineOptions();

    @Option(names = "--reason", required = true, paramLabel = "R", description = "Reason code, e.g. OUT_OF_RANGE.")
    String reason;

    @Option(names = "--dry-run", description = "Count what would be replayed, send nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        QuarantineOptions o = options.withDefaultsFrom(parent.options, spec.commandLine());
        String raw = Topics.DATA_RAW.name(o.pipeline);
        AtomicLong matched = new AtomicLong();
        AtomicLong sent = new AtomicLong();
        Map<String, Long> skipped = new LinkedHashMap<>();
        PrintWriter err = spec.commandLine().getErr();
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "mlcycle-cli-quarantine-replay");
        List<Exception> failures = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            new QuarantineTopic(o.bootstrapServers, o.registryUrl).readAll(o.pipeline, record -> {
                if (!hasReason(record, reason)) {
                    return;
                }
                matched.incrementAndGet();
                Optional<String> whyNot = whyNotReplayable(record);
                if (whyNot.isPresent()) {
                    skipped.merge(whyNot.get(), 1L, Long::sum);
                    return;
                }
                if (!dryRun) {
                    producer.send(toRaw(raw, record), (metadata, e) -> {
                        if (e != null) {
                            synchronized (failures) {
                                failures.add(e);
                            }
                        }
                    });
                }
                if (sent.incrementAndGet() % 1000 == 0) {
                    err.printf("\rreplayed %,d", sent.get());
                    err.flush();
                }
            });
            producer.flush();
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(failures.size() + " record(s) could not be sent to " + raw + ": "
                    + failures.get(0).getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        if (o.json) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("pipeline", o.pipeline);
            json.put("reason", reason);
            json.put("matched", matched.get());
            json.put(dryRun ? "would_replay" : "replayed", sent.get());
            json.put("skipped", skipped);
            try {
                out.println(new ObjectMapper().writeValueAsString(json));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        } else {
            out.printf("%s %,d of %,d quarantined record(s) with reason %s to %s%n", dryRun ? "Would replay" : "Replayed",
                    sent.get(), matched.get(), reason, raw);
            skipped.forEach((why, n) -> out.printf("Skipped %,d: %s%n", n, why));
        }
        out.flush();
        return matched.get() == 0 ? 1 : 0;
    }

    static boolean hasReason(QuarantineRecord record, String reason) {
        for (QuarantineReason r : record.getReasons()) {
            if (r.getCode().equalsIgnoreCase(reason)) {
                return true;
            }
        }
        return false;
    }

    /** Why a record cannot be re-submitted as it was received, if it cannot. */
    static Optional<String> whyNotReplayable(QuarantineRecord record) {
        if (record.getOriginalTruncated()) {
            return Optional.of("the quarantine copy was cut to fit the size limit; re-send these from the source");
        }
        if (record.getOriginalValue() == null) {
            return Optional.of(record.getOriginalText() != null
                    ? "rejected at the HTTP edge (text, not Kafka bytes); re-send them through ingestion"
                    : "no original value (a tombstone)");
        }
        if (record.getOriginalKey() == null && record.getEventId() == null) {
            return Optional.of("no key and no event id: validation would quarantine them again");
        }
        return Optional.empty();
    }

    /** The raw record as first received: original key (the event id), value and headers, plus where it was held. */
    static ProducerRecord<byte[], byte[]> toRaw(String rawTopic, QuarantineRecord record) {
        byte[] key = record.getOriginalKey() != null ? bytes(record.getOriginalKey())
                : record.getEventId().getBytes(StandardCharsets.UTF_8);
        RecordHeaders headers = new RecordHeaders();
        for (RecordHeader h : record.getOriginalHeaders()) {
            if (!REPLAYED_FROM_HEADER.equals(h.getKey())) {
                headers.add(h.getKey(), h.getValue() == null ? null : bytes(h.getValue()));
            }
        }
        if (record.getSourceTopic() != null) {
            headers.add(REPLAYED_FROM_HEADER, (record.getSourceTopic() + "/" + record.getSourcePartition() + "@"
                    + record.getSourceOffset()).getBytes(StandardCharsets.UTF_8));
        }
        return new ProducerRecord<>(rawTopic, null, key, bytes(record.getOriginalValue()), headers);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
