package io.mlcycle.platform.registry;

import io.mlcycle.schemas.compat.CompatibilityLevel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;

class InMemorySchemaRegistryClientTest {

    private static final Schema V1 = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("a").endRecord();
    private static final Schema V2 = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("a")
            .name("b").type().intType().intDefault(0).endRecord();
    private static final Schema BREAKING = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("a")
            .requiredInt("c").endRecord();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    @Test
    void idsAreGlobalFromOneAndShared() {
        assertThat(registry.register("s1", V1)).isEqualTo(1);
        assertThat(registry.register("s1", V1)).as("idempotent").isEqualTo(1);
        assertThat(registry.register("s2", V1)).as("same schema, other subject").isEqualTo(1);
        assertThat(registry.register("s1", V2)).isEqualTo(2);
        assertThat(registry.getAllVersions("s1")).containsExactly(1, 2);
        assertThat(registry.getAllVersions("s2")).containsExactly(1);
        assertThat(registry.getSchemaById(2)).isEqualTo(V2);
        assertThat(registry.getLatestSchemaMetadata("s1")).isEqualTo(new SchemaMetadata(2, 2, "s1", V2));
        assertThat(registry.getSchemaMetadata("s1", 1)).isEqualTo(new SchemaMetadata(1, 1, "s1", V1));
        assertThat(registry.lookup("s1", V2).version()).isEqualTo(2);
        assertThat(registry.getAllSubjects()).containsExactly("s1", "s2");
    }

    @Test
    void backwardIncompatibleChangeIsRefusedByDefault() {
        registry.register("s", V1);

        assertThat(registry.getCompatibility("s")).isEqualTo(CompatibilityLevel.BACKWARD);
        assertThat(registry.testCompatibility("s", BREAKING)).isFalse();
        assertThat(registry.testCompatibility("s", V2)).isTrue();
        assertThatThrownBy(() -> registry.register("s", BREAKING))
                .isInstanceOf(IncompatibleSchemaException.class).hasMessageContaining("field 'c'")
                .satisfies(e -> assertThat(((SchemaRegistryException) e).status()).isEqualTo(409));
        assertThat(registry.getAllVersions("s")).containsExactly(1);
    }

    @Test
    void compatibilityCanBeRelaxedPerSubjectOrGlobally() {
        registry.register("s", V1);
        registry.updateCompatibility("s", CompatibilityLevel.NONE);

        assertThat(registry.register("s", BREAKING)).isPositive();
        assertThat(registry.getCompatibility("s")).isEqualTo(CompatibilityLevel.NONE);
        assertThat(registry.getCompatibility(null)).isEqualTo(CompatibilityLevel.BACKWARD);

        registry.updateCompatibility(null, CompatibilityLevel.FULL);
        assertThat(registry.getCompatibility("other")).isEqualTo(CompatibilityLevel.FULL);
    }

    @Test
    void forwardCompatibilityChecksTheOtherDirection() {
        registry.updateCompatibility("s", CompatibilityLevel.FORWARD);
        registry.register("s", V2);
        // V1 drops field b, which has a default: V2 readers... but FORWARD asks whether V2 can read V1 data: yes.
        assertThat(registry.testCompatibility("s", V1)).isTrue();
        registry.register("s2", V1);
        registry.updateCompatibility("s2", CompatibilityLevel.FORWARD);
        // The old schema (V1) can read BREAKING data (it ignores c): forward compatible.
        assertThat(registry.testCompatibility("s2", BREAKING)).isTrue();
    }

    @Test
    void missingThingsRaiseTheSpecificExceptions() {
        registry.register("s", V1);

        assertThatThrownBy(() -> registry.getLatestSchemaMetadata("nope")).isInstanceOf(SubjectNotFoundException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> registry.getSchemaMetadata("s", 7)).isInstanceOf(VersionNotFoundException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> registry.getSchemaById(42)).isInstanceOf(SchemaNotFoundException.class)
                .satisfies(e -> assertThat(((SchemaRegistryException) e).errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> registry.lookup("s", V2)).isInstanceOf(SchemaNotFoundException.class);
        assertThatThrownBy(() -> registry.lookup("nope", V1)).isInstanceOf(SubjectNotFoundException.class);
    }

    @Test
    void deleteSubjectReturnsItsVersionsAndKeepsIds() {
        registry.register("s", V1);
        registry.register("s", V2);

        assertThat(registry.deleteSubject("s")).containsExactly(1, 2);
        assertThat(registry.getAllSubjects()).isEmpty();
        assertThat(registry.getSchemaById(1)).isEqualTo(V1);
        assertThatThrownBy(() -> registry.deleteSubject("s")).isInstanceOf(SubjectNotFoundException.class);
        assertThat(registry.testCompatibility("s", BREAKING)).as("no versions left").isTrue();
    }

    @Test
    void concurrentRegistrationsAgreeOnOneId() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Set<Integer> ids = ConcurrentHashMap.newKeySet();
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                futures.add(pool.submit(() -> ids.add(registry.register("s" + (n % 4), V1))));
            }
            for (Future<?> future : futures) {
                future.get();
            }
            assertThat(ids).containsExactly(1);
            assertThat(registry.getAllSubjects()).hasSize(4);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void errorResponsesMapToTheSpecificExceptions() {
        assertThat(SchemaRegistryException.fromErrorResponse(404, 40401, "m")).isInstanceOf(SubjectNotFoundException.class);
        assertThat(SchemaRegistryException.fromErrorResponse(404, 40402, "m")).isInstanceOf(VersionNotFoundException.class);
        assertThat(SchemaRegistryException.fromErrorResponse(404, 40403, "m")).isInstanceOf(SchemaNotFoundException.class);
        assertThat(SchemaRegistryException.fromErrorResponse(409, 409, "m")).isInstanceOf(IncompatibleSchemaException.class);
        assertThat(SchemaRegistryException.fromErrorResponse(422, 42201, "m")).isInstanceOf(InvalidSchemaException.class);
        SchemaRegistryException other = SchemaRegistryException.fromErrorResponse(500, 50001, "store error");
        assertThat(other.getClass()).isEqualTo(SchemaRegistryException.class);
        assertThat(other.status()).isEqualTo(500);
        assertThat(other.errorCode()).isEqualTo(50001);
    }
}
