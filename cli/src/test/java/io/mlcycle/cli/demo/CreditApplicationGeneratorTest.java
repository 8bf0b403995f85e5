package io.mlcycle.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.cli.demo.CreditApplicationGenerator.Application;
import io.mlcycle.cli.demo.CreditApplicationGenerator.Malformation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CreditApplicationGeneratorTest {

    private static final Instant NOW = Instant.parse("2026-11-22T10:00:00Z");

    @Test
    void sameSeedGivesTheSameApplications() {
        CreditApplicationGenerator first = new CreditApplicationGenerator(11, 0.05);
        CreditApplicationGenerator second = new CreditApplicationGenerator(11, 0.05);
        for (int i = 0; i < 200; i++) {
            Application a = first.next(NOW, i > 100);
            Application b = second.next(NOW, i > 100);
            assertThat(a).isEqualTo(b);
        }
    }

    @Test
    void malformedShareIsRespectedAndEveryKindOccurs() {
        CreditApplicationGenerator generator = new CreditApplicationGenerator(3, 0.05);
        Set<Malformation> seen = EnumSet.noneOf(Malformation.class);
        int malformed = 0;
        for (int i = 0; i < 10_000; i++) {
            Application application = generator.next(NOW, false);
            seen.add(application.malformation());
            if (application.malformation() != Malformation.NONE) {
                malformed++;
                assertThat(application.malformation().expectedReason()).isNotBlank();
            }
        }
        assertThat(malformed).isBetween(400, 600);
        assertThat(seen).containsAll(EnumSet.allOf(Malformation.class));
    }

    @Test
    void theWorldDriftsIncomesFallAndDefaultsRise() {
        CreditApplicationGenerator generator = new CreditApplicationGenerator(5, 0.0);
        List<Application> before = new ArrayList<>();
        List<Application> after = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            before.add(generator.next(NOW, false));
            after.add(generator.next(NOW, true));
        }
        assertThat(meanIncome(after)).isLessThan(meanIncome(before) * 0.8);
        assertThat(defaultRate(after)).isGreaterThan(defaultRate(before));
        assertThat(defaultRate(before)).isBetween(0.05, 0.35);
    }

    @Test
    void outcomesDependOnTheFeaturesSoThereIsSomethingToLearn() {
        CreditApplicationGenerator generator = new CreditApplicationGenerator(9, 0.0);
        long lateDefaults = 0;
        long late = 0;
        long cleanDefaults = 0;
        long clean = 0;
        for (int i = 0; i < 20_000; i++) {
            Application application = generator.next(NOW, false);
            int latePayments = (int) application.json().get("late_payments_90d");
            if (latePayments >= 2) {
                late++;
                lateDefaults += application.defaulted() ? 1 : 0;
            } else if (latePayments == 0) {
                clean++;
                cleanDefaults += application.defaulted() ? 1 : 0;
            }
        }
        assertThat((double) lateDefaults / late).isGreaterThan(2.0 * cleanDefaults / clean);
    }

    private static double meanIncome(List<Application> applications) {
        return applications.stream().mapToDouble(a -> ((Number) a.json().get("monthly_income")).doubleValue())
                .average().orElseThrow();
    }

    private static double defaultRate(List<Application> applications) {
        return applications.stream().filter(Application::defaulted).count() / (double) applications.size();
    }
}
