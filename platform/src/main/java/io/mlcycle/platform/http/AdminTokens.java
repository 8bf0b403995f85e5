package io.mlcycle.platform.http;

import io.mlcycle.platform.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin bearer tokens for state-changing HTTP calls (retrain, promote, rollback, ...), from the configuration key
 * {@value #CONFIG_KEY}: comma-separated {@code principal:token} entries, e.g. {@code alice:s3cret-a,ci:s3cret-b}.
 * {@link #authenticate} answers 401 without a bearer token and 403 with an unknown one (JSON problems), and returns
 * the principal: who asked is never what the client writes in a body.
 *
 * <p>When the key is not set, the documented development token {@value #DEV_TOKEN} (principal {@value #DEV_PRINCIPAL})
 * is accepted and a loud warning is logged: fine for a local stack, never for anything reachable.
 */
public final class AdminTokens {

    /** The configuration key (environment {@code MLCYCLE_ADMIN_TOKENS}). */
    public static final String CONFIG_KEY = "admin.tokens";
    public static final String DEV_TOKEN = "mlcycle-dev-admin-token";
    public static final String DEV_PRINCIPAL = "dev-admin";
    private static final int MIN_TOKEN_LENGTH = 16;
    private static final Logger LOG = LoggerFactory.getLogger(AdminTokens.class);

    /** Token digests by principal (digests, so that comparison time does not depend on the token). */
    private final Map<String, byte[]> digests;
    private final boolean development;

    private AdminTokens(Map<String, byte[]> digests, boolean development) {
        this.digests = Map.copyOf(digests);
        this.development = development;
    }

    /**
     * Parses {@value #CONFIG_KEY}; empty means the development token, with a warning.
     *
     * @throws ConfigException naming the key when an entry is not {@code principal:token} or a token is shorter than
     *                         16 characters
     */
    public static AdminTokens fromConfig(Optional<String> value) {
        Optional<String> text = value.map(String::trim).filter(s -> !s.isEmpty());
        if (text.isEmpty()) {
            LOG.warn("!!! '{}' is not configured: state-changing calls accept the PUBLIC development token '{}' "
                    + "(principal {}). Configure '{}' as principal:token[,principal:token...] outside a local stack. !!!",
                    CONFIG_KEY, DEV_TOKEN, DEV_PRINCIPAL, CONFIG_KEY);
            return new AdminTokens(Map.of(DEV_PRINCIPAL, digest(DEV_TOKEN)), true);
        }
        Map<String, byte[]> digests = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (String entry : text.get().split(",")) {
            int colon = entry.indexOf(':');
            String principal = colon < 0 ? "" : entry.substring(0, colon).trim();
            String token = colon < 0 ? "" : entry.substring(colon + 1).trim();
            if (principal.isEmpty() || token.length() < MIN_TOKEN_LENGTH) {
                problems.add("Invalid entry in configuration '" + CONFIG_KEY + "': expected principal:token with a "
                        + "token of at least " + MIN_TOKEN_LENGTH + " characters");
            } else {
                digests.put(principal, digest(token));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new AdminTokens(digests, false);
    }

    /** True when the public development token is in use. */
    public boolean development() {
        return development;
    }

    /**
     * The principal of the request's {@code Authorization: Bearer <token>}.
     *
     * @throws HttpProblem 401 without a bearer token, 403 when the token is not an admin token
     */
    public String authenticate(Request request) {
        String header = request.header("Authorization").map(String::trim).orElse("");
        if (!header.regionMatches(true, 0, "Bearer ", 0, 7) || header.substring(7).isBlank()) {
            throw new HttpProblem(401, "unauthorized", "This call changes state and needs an admin token: send "
                    + "'Authorization: Bearer <token>' (configured by " + CONFIG_KEY + ")");
        }
        byte[] presented = digest(header.substring(7).trim());
        String match = null;
        for (Map.Entry<String, byte[]> entry : digests.entrySet()) {
            if (MessageDigest.isEqual(entry.getValue(), presented)) {
                match = entry.getKey();
            }
        }
        if (match == null) {
            throw new HttpProblem(403, "forbidden", "The bearer token is not an admin token of this deployment");
        }
        return match;
    }

    private static byte[] digest(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
