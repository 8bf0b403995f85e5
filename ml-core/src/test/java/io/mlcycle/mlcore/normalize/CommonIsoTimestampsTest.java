package io.mlcycle.mlcore.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written reader of common ISO-8601 shapes must agree with java.time wherever it answers. */
class CommonIsoTimestampsTest {
    private static final List<ZoneId> ZONES = List.of(ZoneOffset.UTC, ZoneOffset.ofHours(2), ZoneOffset.ofHoursMinutes(-5, -30),
            ZoneId.of("Europe/Paris"));

    @Test
    void agreesWithJavaTimeOnGeneratedText() {
        Random random = new Random(42);
        List<String> texts = new ArrayList<>(List.of("2024-05-01T12:00:00Z", "2024-05-01T12:00:00.123Z",
                "2024-05-01T12:00:00.123456789Z", "2024-05-01T12:00:00.1234567891Z", "2024-05-01T12:00:00.Z",
                "2024-05-01T12:00:00+02:00", "2024-05-01T12:00:00-00:00", "2024-05-01T12:00:00+18:00",
                "2024-05-01T12:00:00+18:01", "2024-05-01T12:00:00+24:00", "2024-02-30T12:00:00Z",
                "2023-02-29T00:00:00Z", "2024-02-29T00:00:00Z", "2024-05-01T23:59:60Z", "2024-05-01T24:00:00Z",
                "2024-05-01t12:00:00z", "2024-05-01T12:00:00", "2024-05-01T12:00:00.5", "0000-01-01T00:00:00Z",
                "1969-12-31T23:59:59.999Z", "1900-01-01T00:00:00.001-03:00", "9999-12-31T23:59:59.999999999Z",
                "2024-05-01T12:00:00+02:00[Europe/Paris]", "2024-05-01", "2024-05-01T12:00Z", "+2024-05-01T12:00:00Z",
                "2024-5-01T12:00:00Z", "2024-05-01T12:00:00+0200", "2024-05-01T12:00:00 Z", "2024-05-01 12:00:00Z"));
        for (int i = 0; i < 20_000; i++) {
            texts.add(generated(random));
        }
        for (String text : texts) {
            for (ZoneId zone : ZONES) {
                Timestamps.Parsed fast = Timestamps.parseCommonIso(text, zone);
                Timestamps.Parsed general = Timestamps.parseIsoGeneral(text, zone);
                if (fast != null) {
                    assertThat(fast).as("%s in %s", text, zone).isEqualTo(general);
                }
                assertThat(Timestamps.parseIso(text, zone)).as("%s in %s", text, zone).isEqualTo(general);
            }
        }
    }

    @Test
    void theCommonShapesTakeTheFastPath() {
        assertThat(Timestamps.parseCommonIso("2024-05-01T12:00:00.250Z", ZoneOffset.UTC))
                .isEqualTo(new Timestamps.Parsed(1714564800250L, false));
        assertThat(Timestamps.parseCommonIso("2024-05-01T14:00:00+02:00", ZoneOffset.UTC))
                .isEqualTo(new Timestamps.Parsed(1714564800000L, false));
        assertThat(Timestamps.parseCommonIso("2024-05-01T12:00:00", ZoneOffset.UTC))
                .isEqualTo(new Timestamps.Parsed(1714564800000L, true));
    }

    private static String generated(Random r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%04d-%02d-%02dT%02d:%02d:%02d", r.nextInt(10_000), r.nextInt(14), r.nextInt(33),
                r.nextInt(26), r.nextInt(61), r.nextInt(62)));
        if (r.nextInt(3) == 0) {
            b.append('.');
            int digits = r.nextInt(11);
            for (int i = 0; i < digits; i++) {
                b.append((char) ('0' + r.nextInt(10)));
            }
        }
        switch (r.nextInt(5)) {
            case 0 -> b.append('Z');
            case 1 -> b.append(String.format("%s%02d:%02d", r.nextBoolean() ? "+" : "-", r.nextInt(20), r.nextInt(61)));
            case 2 -> { }
            case 3 -> b.append(String.format("%s%02d:00", r.nextBoolean() ? "+" : "-", r.nextInt(3)));
            default -> b.append(r.nextBoolean() ? "z" : "X");
        }
        return b.toString();
    }
}
