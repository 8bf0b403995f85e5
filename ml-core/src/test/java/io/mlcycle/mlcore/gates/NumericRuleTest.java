package io.mlcycle.mlcore.gates;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The fast path for numeric rules gives CEL's verdict, on ordinary and on awkward values. */
class NumericRuleTest {

    private static final String SPEC = """
            pipeline: credit
            data:
              record: Loan
              key: id
              event_time: at
              fields:
                - {name: id, type: string, required: true}
                - {name: at, type: timestamp, required: true}
                - {name: loan_amount, type: double, feature: true}
                - {name: monthly_income, type: double}
                - {name: age, type: int}
                - {name: late, type: long}
                - {name: purpose, type: category, values: [car, home]}
                - {name: defaulted, type: boolean}
            label:
              field: defaulted
              positive: true
            gates:
              rules:
            """;

    private static final List<String> FAST = List.of(
            "loan_amount <= monthly_income * 60",
            "loan_amount < monthly_income * 60.5 && age >= 18",
            "age > 17 || loan_amount / monthly_income < 12",
            "!(late > 3) && -loan_amount <= 0.0 - monthly_income",
            "loan_amount - late * 2 >= age + 1 || defaulted",
            "!defaulted || monthly_income / (loan_amount - 1000) > -2",
            "at > 1700000000000 && at / 1000 < 2000000000.0",
            "age * 1 > 2.0 * 9",
            "true && loan_amount + 0.5 > 1");

    private static final List<String> SLOW = List.of(
            "loan_amount == monthly_income",
            "purpose == 'car' || loan_amount < 5",
            "'monthly_income' in missing ? loan_amount <= 10 : true",
            "age * 1 > 2 * 9",
            "loan_amount > 5 ? true : false");

    @Test
    void numericRulesTakeTheFastPathAndOthersDoNot() throws Exception {
        assertThat(fastCount(spec(FAST))).isEqualTo(FAST.size());
        assertThat(fastCount(spec(SLOW))).isZero();
    }

    @Test
    void fastPathGivesCelsVerdicts() throws Exception {
        List<String> all = new ArrayList<>(FAST);
        all.addAll(SLOW);
        PipelineSpec spec = spec(all);
        CrossFieldRules fast = CrossFieldRules.compile(spec.gates().rules(), spec.data(), true);
        CrossFieldRules cel = CrossFieldRules.compile(spec.gates().rules(), spec.data(), false);
        double[] awkward = {0.0, -0.0, 1000.0, 1e308, -1e308, Double.MIN_VALUE, 60.0, 1.0, -1.0, 18.0, 17.999999,
            Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
        SplittableRandom random = new SplittableRandom(11);
        int failures = 0;
        for (int i = 0; i < 20_000; i++) {
            Map<String, Object> record = new HashMap<>();
            record.put("id", "L-" + i);
            record.put("at", i % 3 == 0 ? 1_700_000_000_000L + random.nextLong(1_000_000_000L) : random.nextLong(10));
            record.put("loan_amount", i % 4 == 0 ? awkward[random.nextInt(awkward.length)]
                    : random.nextDouble(-1000, 200_000));
            record.put("monthly_income", i % 5 == 0 ? awkward[random.nextInt(awkward.length)]
                    : random.nextDouble(-10, 5_000));
            record.put("age", i % 7 == 0 ? 0 : random.nextInt(10, 90));
            record.put("late", (long) random.nextInt(0, 6));
            record.put("purpose", random.nextBoolean() ? "car" : "home");
            record.put("defaulted", random.nextBoolean());
            if (i % 11 == 0) {
                record.put("monthly_income", null);
            }
            List<Violation> fastViolations = new ArrayList<>();
            List<Violation> celViolations = new ArrayList<>();
            fast.check(record, fastViolations);
            cel.check(record, celViolations);
            assertThat(fastViolations).as("record %s", record).isEqualTo(celViolations);
            failures += celViolations.size();
        }
        // Both verdicts occur: the comparison is not between two rule sets that always pass.
        assertThat(failures).isBetween(1_000, 20_000 * all.size() - 1_000);
    }

    private static long fastCount(PipelineSpec spec) {
        CrossFieldRules fast = CrossFieldRules.compile(spec.gates().rules(), spec.data(), true);
        return fast.fastRules();
    }

    private static PipelineSpec spec(List<String> expressions) throws Exception {
        StringBuilder yaml = new StringBuilder(SPEC);
        for (int i = 0; i < expressions.size(); i++) {
            yaml.append("    - name: r").append(i).append("\n      expr: \"")
                    .append(expressions.get(i).replace("\"", "\\\"")).append("\"\n");
        }
        return PipelineSpecParser.parse(yaml.toString(), "credit.yaml");
    }
}
