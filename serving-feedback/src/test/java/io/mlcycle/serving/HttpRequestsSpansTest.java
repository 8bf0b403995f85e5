package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.http.HttpProblem;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Where a predict body's records lie, and the record cap, answered alike in every batch form. */
class HttpRequestsSpansTest {

    private static HttpRequests.Spans spans(String body, int maxRecords) {
        byte[] bytes = ("  " + body).getBytes(StandardCharsets.UTF_8);
        return HttpRequests.spans(bytes, 2, bytes.length - 2, "records", maxRecords);
    }

    private static String records(int n) {
        return "[" + "{\"a\":1},".repeat(n - 1) + "{\"a\":1}]";
    }

    @Test
    void recordsUpToTheCapAreListedWithTheirPlaces() {
        HttpRequests.Spans array = spans(records(3), 3);
        assertThat(array.batch()).isTrue();
        assertThat(array.items()).hasSize(3);
        assertThat(array.items().get(0).start()).isEqualTo(3);
        assertThat(spans("{\"records\":" + records(3) + "}", 3).items()).hasSize(3);
        assertThat(spans("{\"a\":1}", 3).items()).hasSize(1);
    }

    @Test
    void moreRecordsThanTheCapAre413InEveryFormWithTheirCount() {
        for (String body : new String[]{records(5), "{\"records\":" + records(5) + "}",
                "{\"records\":[{}],\"records\":" + records(5) + "}"}) {
            assertThatThrownBy(() -> spans(body, 3)).as(body).isInstanceOfSatisfying(HttpProblem.class, p -> {
                assertThat(p.status()).isEqualTo(413);
                assertThat(p.getMessage()).contains("holds 5 records; at most 3");
            });
        }
        // the last occurrence of a repeated batch field counts, as in a tree
        assertThat(spans("{\"records\":" + records(5) + ",\"records\":[{}]}", 3).items()).hasSize(1);
    }

    @Test
    void badJsonAfterTheCapIsStillFound() {
        assertThatThrownBy(() -> spans("[{},{},{},{},{]", 2)).isInstanceOfSatisfying(HttpProblem.class,
                p -> assertThat(p.status()).isEqualTo(400));
    }
}
