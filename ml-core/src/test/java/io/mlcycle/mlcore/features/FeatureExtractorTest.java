package io.mlcycle.mlcore.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.TestSpecs;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class FeatureExtractorTest {
    @Test
    void extractsFeaturesInOrderWithPlainJavaTypes() {
        PipelineSpec spec = TestSpecs.credit();
        GenericData.Record r = new GenericData.Record(spec.dataSchema());
        r.put("application_id", "A-1");
        r.put("age", 42);
        r.put("income", null);
        r.put("employment", new Utf8("retired"));
        r.put("defaulted", true);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("age", 42);
        expected.put("income", null);
        expected.put("employment", "retired");
        Map<String, Object> features = new FeatureExtractor(spec).features(r);
        assertThat(features).containsExactlyEntriesOf(expected);
        assertThat(features.get("employment")).isInstanceOf(String.class);
    }

    @Test
    void theRowBehavesAsAnUnmodifiableOrderedMap() {
        PipelineSpec spec = TestSpecs.credit();
        GenericData.Record r = new GenericData.Record(spec.dataSchema());
        r.put("age", 42);
        r.put("employment", new Utf8("employed"));
        Map<String, Object> features = new FeatureExtractor(spec).features(r);
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("age", 42);
        expected.put("income", null);
        expected.put("employment", "employed");
        assertThat(features).isEqualTo(expected).hasSameHashCodeAs(expected).hasSize(3);
        assertThat(features.keySet()).containsExactly("age", "income", "employment");
        assertThat(features.containsKey("income")).isTrue();
        assertThat(features.containsKey("application_id")).isFalse();
        assertThat(features.get("application_id")).isNull();
        assertThat(features.get(7)).isNull();
        assertThatThrownBy(() -> features.put("age", 1)).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> features.entrySet().iterator().next().setValue(1))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
