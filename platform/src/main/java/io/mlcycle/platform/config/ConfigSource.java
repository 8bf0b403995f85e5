package io.mlcycle.platform.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Immutable, layered configuration with dotted keys. Layers, lowest precedence first: built-in defaults (one map the
 * service passes), an optional properties or YAML file (nested YAML flattened to dotted keys, lists joined with
 * commas), environment variables ({@code MLCYCLE_BOOTSTRAP_SERVERS} becomes {@code bootstrap.servers}), explicit
 * overrides. Typed getters throw {@link ConfigException} naming the key, the value, its origin and what is expected.
 */
public final class ConfigSource {

    /** The environment variable prefix: {@code MLCYCLE_SCHEMA_REGISTRY_URL} is {@code schema.registry.url}. */
    public static final String ENV_PREFIX = "MLCYCLE_";

    private static final Pattern SIMPLE_DURATION = Pattern.compile("^(\\d+)\\s*(ms|s|m|h|d)$");

    /** A value and the layer it came from, for error messages. */
    private record Entry(String value, String origin) {
    }

    private final Map<String, Entry> entries;

    private ConfigSource(Map<String, Entry> entries) {
        this.entries = Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The environment variable naming an optional configuration file for {@link #standard(Map)}. */
    public static final String CONFIG_FILE_ENV = "MLCYCLE_CONFIG_FILE";

    /**
     * What a service main uses: its defaults, the file named by {@value #CONFIG_FILE_ENV} if set, then the process
     * environment.
     */
    public static ConfigSource standard(Map<String, ?> defaults) {
        Map<String, String> env = System.getenv();
        String file = env.get(CONFIG_FILE_ENV);
        return builder().defaults(defaults).file(file == null || file.isBlank() ? null : Path.of(file))
                .environment(env).build();
    }

    /** A source of just these values (tests, tools). */
    public static ConfigSource of(Map<String, ?> values) {
        return builder().overrides(values).build();
    }

    // ---------------------------------------------------------------- raw access

    /** The raw value of a key, if set (blank values count as set). */
    public Optional<String> find(String key) {
        return Optional.ofNullable(entries.get(key)).map(Entry::value);
    }

    public boolean contains(String key) {
        return entries.containsKey(key);
    }

    /** Where a key's value came from ("defaults", "file x.yaml", "environment MLCYCLE_X", "overrides"). */
    public Optional<String> origin(String key) {
        return Optional.ofNullable(entries.get(key)).map(Entry::origin);
    }

    /** Every key, sorted. */
    public Set<String> keys() {
        return entries.keySet();
    }

    /** All values, sorted by key. */
    public Map<String, String> asMap() {
        Map<String, String> map = new TreeMap<>();
        entries.forEach((k, e) -> map.put(k, e.value()));
        return Collections.unmodifiableMap(map);
    }

    /**
     * The keys under a prefix with the prefix removed, e.g. {@code subset("kafka.")} turns
     * {@code kafka.security.protocol} into {@code security.protocol} for client passthrough.
     */
    public Map<String, String> subset(String prefix) {
        Map<String, String> map = new TreeMap<>();
        entries.forEach((k, e) -> {
            if (k.startsWith(prefix) && k.length() > prefix.length()) {
                map.put(k.substring(prefix.length()), e.value());
            }
        });
        return Collections.unmodifiableMap(map);
    }

    /** A new source with these values laid over this one. */
    public ConfigSource withOverrides(Map<String, ?> overrides) {
        Map<String, Entry> merged = new TreeMap<>(entries);
        overrides.forEach((k, v) -> {
            if (v != null) {
                merged.put(k, new Entry(stringify(v), "overrides"));
            }
        });
        return new ConfigSource(merged);
    }

    // ---------------------------------------------------------------- typed getters

    public String getString(String key) {
        return require(key).value();
    }

    public String getString(String key, String defaultValue) {
        return find(key).orElse(defaultValue);
    }

    public int getInt(String key) {
        return parseInt(key, require(key), Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    public int getInt(String key, int defaultValue) {
        Entry entry = entries.get(key);
        return entry == null ? defaultValue : parseInt(key, entry, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    /** An int in {@code [min, max]}; the default is not range-checked. */
    public int getInt(String key, int defaultValue, int min, int max) {
        Entry entry = entries.get(key);
        return entry == null ? defaultValue : parseInt(key, entry, min, max);
    }

    public long getLong(String key) {
        return parseLong(key, require(key));
    }

    public long getLong(String key, long defaultValue) {
        Entry entry = entries.get(key);
        return entry == null ? defaultValue : parseLong(key, entry);
    }

    public double getDouble(String key) {
        return parseDouble(key, require(key));
    }

    public double getDouble(String key, double defaultValue) {
        Entry entry = entries.get(key);
        return entry == null ? defaultValue : parseDouble(key, entry);
    }

    /** {@code true} or {@code false}, any case; nothing else (a typo must not silently mean false). */
    public boolean getBoolean(String key) {
        return parseBoolean(key, require(key));
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        Entry entry = entries.get(key);
        return entry == null ? defaultValue : parseBoolean(key, entry);
    }

    /** ISO-8601 ({@code PT30S}) or a whole number with a unit: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}. */
    public Duration getDuration(String key) {
        return parseDuration(key, require(key));
    }

    public Duration getDuration(String key, Duration defaultValue) {
        Entry entry = entries.get(key);
        return entry == null ? defaultValue : parseDuration(key, entry);
    }

    public Path getPath(String key) {
        return parsePath(key, require(key));
    }

    public Optional<Path> findPath(String key) {
        Entry entry = entries.get(key);
        return entry == null || entry.value().isBlank() ? Optional.empty() : Optional.of(parsePath(key, entry));
    }

    /** An absolute URI with a scheme, e.g. {@code http://127.0.0.1:8081}. */
    public URI getUri(String key) {
        return parseUri(key, require(key).value(), require(key));
    }

    /** A comma-separated list, items trimmed, empty items dropped; empty if the key is not set. */
    public List<String> getList(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return List.of();
        }
        return Arrays.stream(entry.value().split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    // ---------------------------------------------------------------- parsing

    private Entry require(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            throw new ConfigException("Missing required configuration '" + key + "' (set it in the config file or as environment variable "
                    + environmentName(key) + ")");
        }
        return entry;
    }

    /** The environment variable that sets a key: {@code bootstrap.servers} is {@code MLCYCLE_BOOTSTRAP_SERVERS}. */
    public static String environmentName(String key) {
        return ENV_PREFIX + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static ConfigException invalid(String key, Entry entry, String expected) {
        return new ConfigException("Invalid value '" + entry.value() + "' for configuration '" + key + "' (from "
                + entry.origin() + "): expected " + expected);
    }

    private static int parseInt(String key, Entry entry, int min, int max) {
        int value;
        try {
            value = Integer.parseInt(entry.value().trim());
        } catch (NumberFormatException e) {
            throw invalid(key, entry, "an integer" + range(min, max));
        }
        if (value < min || value > max) {
            throw invalid(key, entry, "an integer" + range(min, max));
        }
        return value;
    }

    private static String range(long min, long max) {
        if (min == Integer.MIN_VALUE && max == Integer.MAX_VALUE) {
            return "";
        }
        if (max == Integer.MAX_VALUE) {
            return " >= " + min;
        }
        return " between " + min + " and " + max;
    }

    private static long parseLong(String key, Entry entry) {
        try {
            return Long.parseLong(entry.value().trim());
        } catch (NumberFormatException e) {
            throw invalid(key, entry, "a whole number");
        }
    }

    private static double parseDouble(String key, Entry entry) {
        try {
            double value = Double.parseDouble(entry.value().trim());
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                throw invalid(key, entry, "a finite number");
            }
            return value;
        } catch (NumberFormatException e) {
            throw invalid(key, entry, "a number");
        }
    }

    private static boolean parseBoolean(String key, Entry entry) {
        String text = entry.value().trim().toLowerCase(Locale.ROOT);
        if (text.equals("true") || text.equals("false")) {
            return Boolean.parseBoolean(text);
        }
        throw invalid(key, entry, "true or false");
    }

    private static Duration parseDuration(String key, Entry entry) {
        String text = entry.value().trim();
        Matcher matcher = SIMPLE_DURATION.matcher(text.toLowerCase(Locale.ROOT));
        if (matcher.matches()) {
            long amount = Long.parseLong(matcher.group(1));
            return switch (matcher.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        try {
            Duration duration = Duration.parse(text);
            if (duration.isNegative()) {
                throw invalid(key, entry, "a non-negative duration");
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw invalid(key, entry, "a duration like 500ms, 30s, 5m, 2h, 1d or ISO-8601 PT30S");
        }
    }

    private static Path parsePath(String key, Entry entry) {
        if (entry.value().isBlank()) {
            throw invalid(key, entry, "a file system path");
        }
        try {
            return Path.of(entry.value().trim());
        } catch (InvalidPathException e) {
            throw invalid(key, entry, "a file system path (" + e.getReason() + ")");
        }
    }

    private static URI parseUri(String key, String text, Entry entry) {
        try {
            URI uri = new URI(text.trim());
            if (uri.getScheme() == null || (uri.getHost() == null && uri.getSchemeSpecificPart() == null)) {
                throw invalid(key, entry, "an absolute URI such as http://127.0.0.1:8081");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw invalid(key, entry, "an absolute URI such as http://127.0.0.1:8081 (" + e.getReason() + ")");
        }
    }

    private static String stringify(Object value) {
        if (value instanceof Iterable<?> items) {
            List<String> parts = new ArrayList<>();
            items.forEach(i -> parts.add(String.valueOf(i)));
            return String.join(",", parts);
        }
        return value.toString();
    }

    @Override
    public String toString() {
        // Values may hold secrets (JAAS config, registry credentials): show keys only.
        return "ConfigSource" + entries.keySet();
    }

    // ---------------------------------------------------------------- builder

    /** Builds a {@link ConfigSource}; layer order is fixed (defaults < file < environment < overrides), call order is not. */
    public static final class Builder {
        private final Map<String, Entry> defaults = new TreeMap<>();
        private final Map<String, Entry> file = new TreeMap<>();
        private final Map<String, Entry> environment = new TreeMap<>();
        private final Map<String, Entry> overrides = new TreeMap<>();

        private Builder() {
        }

        /** The service's built-in defaults. */
        public Builder defaults(Map<String, ?> values) {
            put(defaults, values, "defaults");
            return this;
        }

        /**
         * A {@code .properties}, {@code .yaml} or {@code .yml} file; null means no file. A file that is named but
         * missing or unreadable is an error (a typo in the path must not silently fall back to defaults).
         */
        public Builder file(Path path) {
            if (path == null) {
                return this;
            }
            String origin = "file " + path;
            if (!Files.isRegularFile(path)) {
                throw new ConfigException("Configuration file '" + path + "' does not exist or is not a file");
            }
            String name = path.getFileName().toString().toLowerCase(Locale.ROOT);
            try {
                if (name.endsWith(".properties")) {
                    Properties properties = new Properties();
                    try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
                        properties.load(reader);
                    }
                    properties.stringPropertyNames().forEach(k -> file.put(k, new Entry(properties.getProperty(k), origin)));
                } else if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                    JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(path.toFile());
                    if (root != null && !root.isMissingNode() && !root.isNull()) {
                        if (!root.isObject()) {
                            throw new ConfigException("Configuration file '" + path + "' must hold a mapping of keys to values");
                        }
                        flatten("", root, file, origin);
                    }
                } else {
                    throw new ConfigException("Configuration file '" + path + "' must end in .properties, .yaml or .yml");
                }
            } catch (IOException e) {
                throw new ConfigException("Cannot read configuration file '" + path + "': " + e.getMessage());
            }
            return this;
        }

        /**
         * Environment variables: {@code MLCYCLE_*} names become dotted lower-case keys ({@code MLCYCLE_HTTP_PORT} is
         * {@code http.port}); names that are already dotted lower-case keys are taken as they are (handy in tests);
         * anything else (PATH, HOME, ...) is ignored.
         */
        public Builder environment(Map<String, String> variables) {
            variables.forEach((name, value) -> {
                if (value == null) {
                    return;
                }
                if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                    String key = name.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                    environment.put(key, new Entry(value, "environment " + name));
                } else if (name.contains(".") && name.equals(name.toLowerCase(Locale.ROOT))) {
                    environment.put(name, new Entry(value, "environment " + name));
                }
            });
            return this;
        }

        /** Explicit values that win over every other layer (command-line options, tests). */
        public Builder overrides(Map<String, ?> values) {
            put(overrides, values, "overrides");
            return this;
        }

        public ConfigSource build() {
            Map<String, Entry> merged = new TreeMap<>(defaults);
            merged.putAll(file);
            merged.putAll(environment);
            merged.putAll(overrides);
            return new ConfigSource(merged);
        }

        private static void put(Map<String, Entry> layer, Map<String, ?> values, String origin) {
            values.forEach((k, v) -> {
                if (v != null) {
                    layer.put(k, new Entry(stringify(v), origin));
                }
            });
        }

        private static void flatten(String prefix, JsonNode node, Map<String, Entry> into, String origin) {
            if (node.isObject()) {
                Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    flatten(prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(), field.getValue(), into, origin);
                }
            } else if (node.isArray()) {
                List<String> items = new ArrayList<>();
                node.forEach(item -> items.add(item.isValueNode() ? item.asText() : item.toString()));
                into.put(prefix, new Entry(String.join(",", items), origin));
            } else if (!node.isNull()) {
                into.put(prefix, new Entry(node.asText(), origin));
            }
        }
    }
}
