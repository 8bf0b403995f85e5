package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.TestSpecs;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LabelCodecTest {

    @Test
    void booleanLabelAcceptsCommonSpellings() {
        LabelCodec codec = new LabelCodec(TestSpecs.credit()); // positive: true
        assertThat(codec.isPositive(true)).contains(true);
        assertThat(codec.isPositive(false)).contains(false);
        assertThat(codec.isPositive("TRUE")).contains(true);
        assertThat(codec.isPositive(" yes ")).contains(true);
        assertThat(codec.isPositive("0")).contains(false);
        assertThat(codec.isPositive(1)).contains(true);
        assertThat(codec.isPositive(null)).isEmpty();
        assertThat(codec.isPositive("maybe")).isEmpty();
        assertThat(codec.validate("maybe")).contains(new Violation(ReasonCode.INVALID_LABEL, "defaulted",
                "defaulted = 'maybe' is not a valid label (expected true or false)"));
        assertThat(codec.validate(null)).isEmpty();
    }

    @Test
    void integerLabelsAreZeroOrOne() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse("""
                pipeline: p
                data:
                  record: R
                  key: id
                  event_time: ts
                  fields:
                    - {name: id, type: string}
                    - {name: ts, type: timestamp}
                    - {name: x, type: double, feature: true}
                    - {name: y, type: int}
                label: {field: y, positive: 0}
                """, "p.yaml");
        LabelCodec codec = new LabelCodec(spec);
        assertThat(codec.isPositive(0)).contains(true);
        assertThat(codec.isPositive(1L)).contains(false);
        assertThat(codec.isPositive(2)).isEmpty();
        assertThat(codec.isValid(2)).isFalse();
        assertThat(codec.validate(2)).map(Violation::code).isEqualTo(Optional.of(ReasonCode.INVALID_LABEL));
    }
}
