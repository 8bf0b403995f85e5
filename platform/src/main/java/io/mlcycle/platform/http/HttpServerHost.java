package io.mlcycle.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.mlcycle.platform.config.PlatformConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's HTTP endpoint on the JDK's {@link HttpServer}: a small router ({@link #route}) with path templates,
 * JSON bodies (Jackson), bounded request bodies (413), problem answers ({@link HttpProblem}; 404/405/415; 500 without
 * internals), and the built-in {@code GET /health/live}, {@code GET /health/ready} (from {@link #readinessCheck}s) and
 * {@code GET /metrics} (Prometheus text of {@link #meterRegistry()}, with JVM metrics, a timer per route, and any
 * Kafka clients bound with the {@code bindKafka*} methods).
 */
public final class HttpServerHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpServerHost.class);
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    /**
     * @param serviceName   tagged on every metric as {@code service}
     * @param maxBodyBytes  larger request bodies get 413 (default 1 MiB)
     * @param threads       request handler threads (default 4)
     * @param queueCapacity requests queued when all threads are busy, beyond which the accepting thread runs them (default 200)
     */
    public record Options(String serviceName, int maxBodyBytes, int threads, int queueCapacity) {
        public Options {
            Objects.requireNonNull(serviceName, "serviceName");
            if (maxBodyBytes < 0 || threads < 1 || queueCapacity < 1) {
                throw new IllegalArgumentException("maxBodyBytes >= 0, threads >= 1 and queueCapacity >= 1 are required");
            }
        }

        public static Options defaults(String serviceName) {
            return new Options(serviceName, 1024 * 1024, 4, 200);
        }

        public Options withMaxBodyBytes(int bytes) {
            return new Options(serviceName, bytes, threads, queueCapacity);
        }
    }

    private record Route(String method, String template, List<String> segments, Handler handler) {
    }

    private record Check(String name, BooleanSupplier check) {
    }

    private final String host;
    private final int requestedPort;
    private final Options options;
    private final ObjectMapper json;
    private final PrometheusMeterRegistry meterRegistry;
    private final List<AutoCloseable> binders = new CopyOnWriteArrayList<>();
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<Check> readinessChecks = new CopyOnWriteArrayList<>();
    private volatile HttpServer server;
    private volatile ThreadPoolExecutor executor;

    public HttpServerHost(String host, int port, Options options) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        this.requestedPort = port;
        this.options = Objects.requireNonNull(options, "options");
        this.json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        this.meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meterRegistry.config().commonTags("service", options.serviceName());
        bindJvmMetrics();
        route("GET", "/health/live", request -> Response.ok(Map.of("status", "UP")));
        route("GET", "/health/ready", request -> readiness());
        route("GET", "/metrics", request -> Response.text(200, PROMETHEUS_TEXT, meterRegistry.scrape()));
    }

    /** A host bound to {@code http.host}/{@code http.port} of the config. */
    public static HttpServerHost create(PlatformConfig config, String serviceName) {
        return new HttpServerHost(config.httpHost(), config.httpPort(), Options.defaults(serviceName));
    }

    /**
     * Adds a route. {@code pathTemplate} segments in braces are parameters: {@code /v1/pipelines/{pipeline}/events}.
     * Routes may be added before or after {@link #start()}.
     */
    public HttpServerHost route(String method, String pathTemplate, Handler handler) {
        Objects.requireNonNull(handler, "handler");
        if (!pathTemplate.startsWith("/")) {
            throw new IllegalArgumentException("path template must start with '/': " + pathTemplate);
        }
        String upperMethod = method.toUpperCase(Locale.ROOT);
        for (Route existing : routes) {
            if (existing.method().equals(upperMethod) && existing.template().equals(pathTemplate)) {
                throw new IllegalArgumentException("route already defined: " + upperMethod + " " + pathTemplate);
            }
        }
        routes.add(new Route(upperMethod, pathTemplate, segments(pathTemplate), handler));
        return this;
    }

    /** Adds a readiness check reported by {@code /health/ready}; a check that throws counts as down. */
    public HttpServerHost readinessCheck(String name, BooleanSupplier check) {
        readinessChecks.add(new Check(Objects.requireNonNull(name, "name"), Objects.requireNonNull(check, "check")));
        return this;
    }

    /** Binds and starts serving; returns this. */
    public synchronized HttpServerHost start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        try {
            HttpServer created = HttpServer.create(new InetSocketAddress(host, requestedPort), 0);
            AtomicInteger threadCount = new AtomicInteger();
            ThreadPoolExecutor pool = new ThreadPoolExecutor(options.threads(), options.threads(), 60, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(options.queueCapacity()), runnable -> {
                        Thread thread = new Thread(runnable, options.serviceName() + "-http-" + threadCount.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    }, new ThreadPoolExecutor.CallerRunsPolicy());
            created.setExecutor(pool);
            created.createContext("/", this::dispatch);
            created.start();
            this.executor = pool;
            this.server = created;
        } catch (IOException e) {
            throw new IllegalStateException("Cannot listen for HTTP on " + host + ":" + requestedPort + ": " + e.getMessage(), e);
        }
        log.info("{} HTTP listening on {}", options.serviceName(), baseUrl());
        return this;
    }

    /** The bound port (the real one when 0 was asked for); only after {@link #start()}. */
    public int port() {
        HttpServer current = server;
        if (current == null) {
            throw new IllegalStateException("not started");
        }
        return current.getAddress().getPort();
    }

    /** e.g. {@code http://127.0.0.1:8080}; only after {@link #start()}. */
    public URI baseUrl() {
        String shownHost = host.contains(":") ? "[" + host + "]" : host;
        return URI.create("http://" + shownHost + ":" + port());
    }

    /** The registry {@code /metrics} exposes; services register their own meters here. */
    public PrometheusMeterRegistry meterRegistry() {
        return meterRegistry;
    }

    /** The JSON mapper used for request and response bodies. */
    public ObjectMapper objectMapper() {
        return json;
    }

    /** Exposes a producer's client metrics on {@code /metrics} until this host closes. */
    public void bindKafkaProducer(Producer<?, ?> producer) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(producer);
        metrics.bindTo(meterRegistry);
        binders.add(metrics);
    }

    public void bindKafkaConsumer(Consumer<?, ?> consumer) {
        KafkaClientMetrics metrics = new KafkaClientMetrics(consumer);
        metrics.bindTo(meterRegistry);
        binders.add(metrics);
    }

    /** Accepts what {@code Admin.create(...)} returns (an {@link AdminClient} underneath). */
    public void bindKafkaAdmin(Admin admin) {
        if (!(admin instanceof AdminClient adminClient)) {
            throw new IllegalArgumentException("Micrometer can bind only AdminClient instances, not " + admin.getClass().getName());
        }
        KafkaClientMetrics metrics = new KafkaClientMetrics(adminClient);
        metrics.bindTo(meterRegistry);
        binders.add(metrics);
    }

    public void bindKafkaStreams(KafkaStreams streams) {
        KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams);
        metrics.bindTo(meterRegistry);
        binders.add(metrics);
    }

    @Override
    public synchronized void close() {
        HttpServer current = server;
        if (current != null) {
            current.stop(0);
            server = null;
        }
        ThreadPoolExecutor pool = executor;
        if (pool != null) {
            pool.shutdown();
            try {
                if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
                    pool.shutdownNow();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                pool.shutdownNow();
            }
            executor = null;
        }
        for (AutoCloseable binder : binders) {
            try {
                binder.close();
            } catch (Exception e) {
                log.debug("Closing a metrics binder failed", e);
            }
        }
        binders.clear();
        meterRegistry.close();
    }

    // ---------------------------------------------------------------- request handling

    private void dispatch(HttpExchange exchange) {
        long started = System.nanoTime();
        String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String routeTag = "unmatched";
        int status = 500;
        try {
            String rawPath = exchange.getRequestURI().getRawPath();
            List<String> pathSegments = decodeSegments(rawPath);
            Route matched = null;
            Map<String, String> params = null;
            Set<String> allowed = new LinkedHashSet<>();
            for (Route route : routes) {
                Map<String, String> candidate = match(route.segments(), pathSegments);
                if (candidate == null) {
                    continue;
                }
                allowed.add(route.method());
                if (route.method().equals(method) && matched == null) {
                    matched = route;
                    params = candidate;
                }
            }
            Response response;
            if (matched == null && allowed.isEmpty()) {
                response = problem(new HttpProblem(404, "not_found", "No resource at " + rawPath));
            } else if (matched == null) {
                routeTag = "method_not_allowed";
                response = problem(new HttpProblem(405, "method_not_allowed", "Method " + method + " is not allowed on "
                        + rawPath + "; allowed: " + String.join(", ", allowed)))
                        .withHeader("Allow", String.join(", ", allowed));
            } else {
                routeTag = matched.template();
                response = invoke(matched, exchange, method, rawPath, params);
            }
            status = response.status();
            write(exchange, response);
        } catch (IOException e) {
            log.debug("HTTP {} {}: client connection failed: {}", method, exchange.getRequestURI(), e.toString());
        } catch (RuntimeException e) {
            log.error("HTTP {} {}: failed to write the response", method, exchange.getRequestURI(), e);
        } finally {
            exchange.close();
            Timer.builder("http.server.requests").description("HTTP requests handled, by route")
                    .tags(List.of(Tag.of("method", method), Tag.of("route", routeTag), Tag.of("status", Integer.toString(status))))
                    .register(meterRegistry).record(Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private Response invoke(Route route, HttpExchange exchange, String method, String rawPath, Map<String, String> params) {
        try {
            byte[] body = readBody(exchange);
            Request request = new Request(method, rawPath, route.template(), params,
                    parseQuery(exchange.getRequestURI().getRawQuery()), lowerCaseHeaders(exchange), body, json);
            Response response = route.handler().handle(request);
            if (response == null) {
                throw new IllegalStateException("handler for " + method + " " + route.template() + " returned null");
            }
            return response;
        } catch (HttpProblem e) {
            return problem(e);
        } catch (Exception e) {
            String reference = UUID.randomUUID().toString().substring(0, 8);
            log.error("HTTP {} {} failed (reference {})", method, rawPath, reference, e);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", "internal_error");
            body.put("message", "The server failed to handle the request; see the server log, reference " + reference);
            body.put("status", 500);
            return Response.status(500, body);
        }
    }

    private byte[] readBody(HttpExchange exchange) throws IOException {
        int limit = options.maxBodyBytes();
        String declared = exchange.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.trim()) > limit) {
                    throw tooLarge(limit);
                }
            } catch (NumberFormatException e) {
                throw HttpProblem.badRequest("invalid_content_length", "Content-Length '" + declared + "' is not a number");
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] bytes = in.readNBytes(limit + 1);
            if (bytes.length > limit) {
                throw tooLarge(limit);
            }
            return bytes;
        }
    }

    private static HttpProblem tooLarge(int limit) {
        return new HttpProblem(413, "payload_too_large", "The request body exceeds the limit of " + limit + " bytes");
    }

    private Response readiness() {
        Map<String, String> checks = new LinkedHashMap<>();
        boolean allUp = true;
        for (Check check : readinessChecks) {
            boolean up;
            try {
                up = check.check().getAsBoolean();
            } catch (RuntimeException e) {
                log.warn("Readiness check {} failed: {}", check.name(), e.toString());
                up = false;
            }
            checks.put(check.name(), up ? "UP" : "DOWN");
            allUp &= up;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", allUp ? "UP" : "DOWN");
        body.put("checks", checks);
        return Response.status(allUp ? 200 : 503, body);
    }

    private static Response problem(HttpProblem problem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", problem.error());
        body.put("message", problem.getMessage());
        body.put("status", problem.status());
        return Response.status(problem.status(), body);
    }

    private void write(HttpExchange exchange, Response response) throws IOException {
        response.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        Object body = response.body();
        int status = response.status();
        if (body == null || status == 204 || status == 304) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        String contentType = response.headers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Content-Type")).map(Map.Entry::getValue).findFirst().orElse(null);
        byte[] bytes;
        if (body instanceof byte[] raw) {
            bytes = raw;
            if (contentType == null) {
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
            }
        } else if (body instanceof CharSequence text && contentType != null && !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        } else {
            bytes = json.writeValueAsBytes(body);
            if (contentType == null) {
                exchange.getResponseHeaders().set("Content-Type", JSON);
            }
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    // ---------------------------------------------------------------- routing helpers

    private static List<String> segments(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return parts;
    }

    private static List<String> decodeSegments(String rawPath) {
        List<String> decoded = new ArrayList<>();
        for (String part : segments(rawPath == null ? "/" : rawPath)) {
            decoded.add(URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8));
        }
        return decoded;
    }

    /** The path parameters if {@code path} matches {@code template}, else null. */
    private static Map<String, String> match(List<String> template, List<String> path) {
        if (template.size() != path.size()) {
            return null;
        }
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < template.size(); i++) {
            String expected = template.get(i);
            if (expected.startsWith("{") && expected.endsWith("}")) {
                params.put(expected.substring(1, expected.length() - 1), path.get(i));
            } else if (!expected.equals(path.get(i))) {
                return null;
            }
        }
        return params;
    }

    private static Map<String, List<String>> parseQuery(String rawQuery) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return params;
        }
        for (String pair : rawQuery.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        params.replaceAll((k, v) -> List.copyOf(v));
        return params;
    }

    private static Map<String, List<String>> lowerCaseHeaders(HttpExchange exchange) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        exchange.getRequestHeaders().forEach((name, values) ->
                headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
        return headers;
    }

    private void bindJvmMetrics() {
        new ClassLoaderMetrics().bindTo(meterRegistry);
        new JvmMemoryMetrics().bindTo(meterRegistry);
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(meterRegistry);
        binders.add(gc);
        new JvmThreadMetrics().bindTo(meterRegistry);
        new ProcessorMetrics().bindTo(meterRegistry);
        new UptimeMetrics().bindTo(meterRegistry);
    }
}
