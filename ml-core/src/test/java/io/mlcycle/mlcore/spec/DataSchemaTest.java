package io.mlcycle.mlcore.spec;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.TestSpecs;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class DataSchemaTest {

    @Test
    void derivesTheExactAvroSchema() {
        Schema schema = TestSpecs.credit().dataSchema();

        assertThat(schema.toString()).isEqualTo("{\"type\":\"record\",\"name\":\"CreditApplication\","
                + "\"namespace\":\"io.mlcycle.data.credit\",\"fields\":["
                + "{\"name\":\"application_id\",\"type\":[\"null\",\"string\"],\"doc\":\"Application id\",\"default\":null},"
                + "{\"name\":\"applied_at\",\"type\":[\"null\",{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}],"
                + "\"default\":null},"
                + "{\"name\":\"age\",\"type\":[\"null\",\"int\"],\"default\":null},"
                + "{\"name\":\"income\",\"type\":[\"null\",\"double\"],\"default\":null},"
                + "{\"name\":\"employment\",\"type\":[\"null\",\"string\"],\"default\":null},"
                + "{\"name\":\"email\",\"type\":[\"null\",\"string\"],\"default\":null},"
                + "{\"name\":\"defaulted\",\"type\":[\"null\",\"boolean\"],\"default\":null}]}");
    }

    @Test
    void isDeterministicAndParsesBack() {
        PipelineSpec spec = TestSpecs.credit();
        Schema first = spec.dataSchema();
        Schema second = TestSpecs.credit().dataSchema();
        assertThat(second).isEqualTo(first);
        assertThat(second.toString()).isEqualTo(first.toString());
        assertThat(new Schema.Parser().parse(first.toString())).isEqualTo(first);
    }
}
