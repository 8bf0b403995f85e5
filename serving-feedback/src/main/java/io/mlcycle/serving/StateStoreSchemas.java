package io.mlcycle.serving;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;

/**
 * What the fingerprinted state-store serdes of serving share ({@link JoinStateSerde}, {@link LabelThresholdsSerde},
 * the truth topology's {@code DivergenceSerde}):
 * the schemas shipped as resources (every schema a stored value may have been written with) and the encoding of a
 * value into single-object Avro (a header with the writer schema's fingerprint, so a changed contract still reads
 * what an older version stored).
 */
public final class StateStoreSchemas {

    private StateStoreSchemas() {
    }

    /** The shipped schemas, read from resources next to {@code anchor}, in the order given (oldest first). */
    public static List<Schema> shipped(Class<?> anchor, List<String> resources) {
        List<Schema> schemas = new ArrayList<>();
        for (String resource : resources) {
            try (InputStream in = anchor.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing resource " + resource);
                }
                schemas.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return schemas;
    }

    /** The record as single-object Avro bytes; {@code what} names the value in the error. */
    public static byte[] encode(BinaryMessageEncoder<GenericRecord> encoder, GenericRecord record, String what) {
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot encode " + what + ": " + e.getMessage(), e);
        }
    }
}
