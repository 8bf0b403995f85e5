package io.mlcycle.cli.ingest;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.normalize.Excerpt;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.avro.Schema;
import org.apache.avro.file.DataFileStream;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

/** Avro object container files: each record, read with its writer schema, becomes a row named by its fields. */
final class AvroRowSource implements RowSource {

    private final DataFileStream<GenericRecord> stream;
    private final LongSupplier bytesRead;
    private final List<String> columns;
    private long rowNumber;
    private boolean exhausted;

    AvroRowSource(InputStream in, LongSupplier bytesRead) throws IOException {
        this.stream = new DataFileStream<>(in, new GenericDatumReader<>());
        this.bytesRead = bytesRead;
        this.columns = stream.getSchema().getType() == Schema.Type.RECORD
                ? stream.getSchema().getFields().stream().map(Schema.Field::name).toList() : List.of();
    }

    Schema writerSchema() {
        return stream.getSchema();
    }

    @Override
    public List<String> columns() {
        return columns;
    }

    @Override
    public long bytesRead() {
        return bytesRead.getAsLong();
    }

    @Override
    public SourceRow next() {
        if (exhausted) {
            return null;
        }
        try {
            if (!stream.hasNext()) {
                exhausted = true;
                return null;
            }
            GenericRecord record = stream.next();
            ObjectNode fields = JsonRecordConverter.toJson(record);
            return new SourceRow(++rowNumber, fields, fields.toString(), List.of());
        } catch (RuntimeException e) { // decoding garbage can fail in many ways (AvroRuntimeException, index errors)
            exhausted = true;
            return new SourceRow(++rowNumber, null, null, List.of(new Violation(ReasonCode.DESERIALIZATION_FAILED, null,
                    "the Avro file breaks off after record " + (rowNumber - 1) + " (truncated or corrupt: "
                            + Excerpt.of(String.valueOf(e.getMessage())) + "); nothing after it can be read")));
        }
    }

    @Override
    public void close() throws IOException {
        stream.close();
    }
}
