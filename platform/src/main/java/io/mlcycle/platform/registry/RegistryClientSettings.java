package io.mlcycle.platform.registry;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How {@link RestSchemaRegistryClient} reaches the registry: base URLs (tried in order, failing over), optional basic
 * auth ({@code user:password}), bounded retries with exponential backoff for I/O errors and 5xx answers, timeouts.
 *
 * @param urls              base URLs, at least one, http or https
 * @param basicAuthUserInfo {@code user:password} for HTTP basic auth, if any
 * @param maxAttempts       attempts per request, at least 1 (default 3)
 * @param initialBackoff    wait before the second attempt, doubled for each further one (default 100 ms)
 * @param connectTimeout    TCP connect timeout (default 5 s)
 * @param requestTimeout    whole-request timeout (default 10 s)
 * @param tls               trust (and key) stores for https URLs, if the JVM's default trust is not enough
 */
public record RegistryClientSettings(List<URI> urls, Optional<String> basicAuthUserInfo, int maxAttempts,
                                     Duration initialBackoff, Duration connectTimeout, Duration requestTimeout,
                                     Optional<RegistryTls> tls) {

    public static final int DEFAULT_MAX_ATTEMPTS = 3;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(100);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

    public RegistryClientSettings {
        urls = List.copyOf(Objects.requireNonNull(urls, "urls"));
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("at least one schema registry URL is required");
        }
        for (URI url : urls) {
            if (url.getScheme() == null || !(url.getScheme().equals("http") || url.getScheme().equals("https"))
                    || url.getHost() == null) {
                throw new IllegalArgumentException("Invalid schema registry URL '" + url + "': expected http(s)://host:port");
            }
        }
        basicAuthUserInfo = Objects.requireNonNullElse(basicAuthUserInfo, Optional.empty());
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be >= 1, was " + maxAttempts);
        }
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        tls = Objects.requireNonNullElse(tls, Optional.empty());
    }

    /** Settings without TLS stores. */
    public RegistryClientSettings(List<URI> urls, Optional<String> basicAuthUserInfo, int maxAttempts,
                                  Duration initialBackoff, Duration connectTimeout, Duration requestTimeout) {
        this(urls, basicAuthUserInfo, maxAttempts, initialBackoff, connectTimeout, requestTimeout, Optional.empty());
    }

    public RegistryClientSettings withTls(RegistryTls value) {
        return new RegistryClientSettings(urls, basicAuthUserInfo, maxAttempts, initialBackoff, connectTimeout,
                requestTimeout, Optional.ofNullable(value));
    }

    /** Default retries and timeouts for these URLs, no auth. */
    public static RegistryClientSettings forUrls(List<URI> urls) {
        return new RegistryClientSettings(urls, Optional.empty(), DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT);
    }

    /** Default settings for a comma-separated URL list such as {@code http://a:8081,http://b:8081}. */
    public static RegistryClientSettings forUrls(String commaSeparatedUrls) {
        return forUrls(parseUrls(commaSeparatedUrls));
    }

    public RegistryClientSettings withBasicAuth(String userInfo) {
        return new RegistryClientSettings(urls, Optional.ofNullable(userInfo).filter(s -> !s.isBlank()), maxAttempts,
                initialBackoff, connectTimeout, requestTimeout, tls);
    }

    public RegistryClientSettings withRetries(int attempts, Duration firstBackoff) {
        return new RegistryClientSettings(urls, basicAuthUserInfo, attempts, firstBackoff, connectTimeout, requestTimeout, tls);
    }

    public RegistryClientSettings withTimeouts(Duration connect, Duration request) {
        return new RegistryClientSettings(urls, basicAuthUserInfo, maxAttempts, initialBackoff, connect, request, tls);
    }

    /**
     * Reads Confluent client property names: {@code schema.registry.url} (comma-separated),
     * {@code basic.auth.credentials.source} ({@code USER_INFO} or {@code URL}), {@code basic.auth.user.info}
     * (also accepted with the {@code schema.registry.} prefix), plus our {@code schema.registry.max.attempts},
     * {@code schema.registry.connect.timeout.ms}, {@code schema.registry.request.timeout.ms}.
     */
    public static RegistryClientSettings fromConfluentProperties(Map<String, ?> props) {
        Object rawUrls = props.get("schema.registry.url");
        if (rawUrls == null || rawUrls.toString().isBlank()) {
            throw new IllegalArgumentException("Missing required configuration 'schema.registry.url'");
        }
        List<URI> withUserInfo = rawUrls instanceof List<?> list
                ? parseUrls(String.join(",", list.stream().map(Object::toString).toList()))
                : parseUrls(rawUrls.toString());
        Object rawSource = props.get("basic.auth.credentials.source");
        String source = String.valueOf(rawSource == null ? "USER_INFO" : rawSource)
                .trim().toUpperCase(Locale.ROOT);
        Optional<String> userInfo;
        switch (source) {
            case "USER_INFO" -> {
                Object info = props.get("basic.auth.user.info");
                if (info == null) {
                    info = props.get("schema.registry.basic.auth.user.info");
                }
                userInfo = Optional.ofNullable(info).map(Object::toString).filter(s -> !s.isBlank());
            }
            case "URL" -> userInfo = withUserInfo.stream().map(URI::getRawUserInfo).filter(Objects::nonNull)
                    .findFirst().map(RegistryClientSettings::decode);
            case "SASL_INHERIT" -> throw new IllegalArgumentException(
                    "basic.auth.credentials.source=SASL_INHERIT is not supported; use USER_INFO or URL");
            default -> throw new IllegalArgumentException("Invalid basic.auth.credentials.source '" + source
                    + "'; expected USER_INFO or URL");
        }
        List<URI> urls = withUserInfo.stream().map(RegistryClientSettings::withoutUserInfo).toList();
        int attempts = intProperty(props, "schema.registry.max.attempts", DEFAULT_MAX_ATTEMPTS);
        Duration connect = Duration.ofMillis(intProperty(props, "schema.registry.connect.timeout.ms",
                (int) DEFAULT_CONNECT_TIMEOUT.toMillis()));
        Duration request = Duration.ofMillis(intProperty(props, "schema.registry.request.timeout.ms",
                (int) DEFAULT_REQUEST_TIMEOUT.toMillis()));
        return new RegistryClientSettings(urls, userInfo, attempts, DEFAULT_INITIAL_BACKOFF, connect, request);
    }

    /** Splits and parses a comma-separated URL list, trimming blanks and trailing slashes. */
    public static List<URI> parseUrls(String commaSeparatedUrls) {
        List<URI> urls = new ArrayList<>();
        for (String part : Arrays.stream(commaSeparatedUrls.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList()) {
            String trimmed = part.endsWith("/") ? part.substring(0, part.length() - 1) : part;
            try {
                urls.add(URI.create(trimmed));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("Invalid schema registry URL '" + part + "': " + e.getMessage());
            }
        }
        return urls;
    }

    private static URI withoutUserInfo(URI uri) {
        if (uri.getRawUserInfo() == null) {
            return uri;
        }
        return URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() >= 0 ? ":" + uri.getPort() : "")
                + (uri.getRawPath() == null ? "" : uri.getRawPath()));
    }

    private static String decode(String raw) {
        return java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static int intProperty(Map<String, ?> props, String key, int defaultValue) {
        Object value = props.get(key);
        if (value == null) {
            return defaultValue;
        }
        try {
            return Integer.parseInt(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("Invalid value '" + value + "' for configuration '" + key + "': expected an integer");
        }
    }

    @Override
    public String toString() {
        // Never print the credentials.
        return "RegistryClientSettings[urls=" + urls + ", basicAuth=" + basicAuthUserInfo.map(s -> "***").orElse("none")
                + ", maxAttempts=" + maxAttempts + ", initialBackoff=" + initialBackoff + ", connectTimeout="
                + connectTimeout + ", requestTimeout=" + requestTimeout + ", tls=" + tls.orElse(null) + "]";
    }
}
