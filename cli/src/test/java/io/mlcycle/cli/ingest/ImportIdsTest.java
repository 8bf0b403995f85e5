package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Event ids of imported rows are a contract with earlier imports: a resumed or repeated import must write the same ids,
 * also after an upgrade, so that downstream deduplication recognises the repeats. The expected ids are
 * SHA-256(file digest ‖ row number as 8 big-endian bytes) shaped as version 8 UUIDs, computed independently (Python's
 * hashlib and uuid).
 */
class ImportIdsTest {

    @Test
    void anEventIdDependsOnlyOnTheFileDigestAndTheRowNumber() {
        ImportIds ids = new ImportIds("00".repeat(31) + "01");
        assertThat(ids.eventId(1)).isEqualTo("64af77cf-4efc-85ce-ad9d-f59465aeb158");
        assertThat(ids.eventId(150_000)).isEqualTo("d4c52f17-8e24-8ff2-919b-92254a8dff45");
        assertThat(ids.eventId(1)).as("the same row again, after another").isEqualTo(
                "64af77cf-4efc-85ce-ad9d-f59465aeb158");
    }
}
