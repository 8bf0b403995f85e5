package io.mlcycle.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.platform.config.ConfigException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdminTokensTest {

    private final AdminTokens tokens = AdminTokens.fromConfig(
            Optional.of("alice:alice-token-0123456789, ci:ci-token-abcdefghijk"));

    private static Request withAuthorization(String value) {
        Map<String, List<String>> headers = value == null ? Map.of() : Map.of("authorization", List.of(value));
        return new Request("POST", "/x", "/x", Map.of(), Map.of(), headers, new byte[0], new ObjectMapper());
    }

    @Test
    void thePrincipalComesFromTheToken() {
        assertThat(tokens.authenticate(withAuthorization("Bearer alice-token-0123456789"))).isEqualTo("alice");
        assertThat(tokens.authenticate(withAuthorization("bearer ci-token-abcdefghijk"))).isEqualTo("ci");
        assertThat(tokens.development()).isFalse();
    }

    @Test
    void noTokenIs401AndAWrongTokenIs403() {
        assertThatThrownBy(() -> tokens.authenticate(withAuthorization(null)))
                .isInstanceOfSatisfying(HttpProblem.class, p -> assertThat(p.status()).isEqualTo(401))
                .hasMessageContaining(AdminTokens.CONFIG_KEY);
        assertThatThrownBy(() -> tokens.authenticate(withAuthorization("Basic YWxpY2U6eA==")))
                .isInstanceOfSatisfying(HttpProblem.class, p -> assertThat(p.status()).isEqualTo(401));
        assertThatThrownBy(() -> tokens.authenticate(withAuthorization("Bearer alice-token-wrong")))
                .isInstanceOfSatisfying(HttpProblem.class, p -> assertThat(p.status()).isEqualTo(403));
    }

    @Test
    void theDevelopmentTokenOnlyWhenNothingIsConfiguredAndBadEntriesAreRejected() {
        AdminTokens dev = AdminTokens.fromConfig(Optional.empty());
        assertThat(dev.development()).isTrue();
        assertThat(dev.authenticate(withAuthorization("Bearer " + AdminTokens.DEV_TOKEN)))
                .isEqualTo(AdminTokens.DEV_PRINCIPAL);
        assertThatThrownBy(() -> tokens.authenticate(withAuthorization("Bearer " + AdminTokens.DEV_TOKEN)))
                .isInstanceOf(HttpProblem.class);
        assertThatThrownBy(() -> AdminTokens.fromConfig(Optional.of("alice:short")))
                .isInstanceOf(ConfigException.class).hasMessageContaining(AdminTokens.CONFIG_KEY);
        assertThatThrownBy(() -> AdminTokens.fromConfig(Optional.of("no-colon-token-long-enough")))
                .isInstanceOf(ConfigException.class);
    }
}
