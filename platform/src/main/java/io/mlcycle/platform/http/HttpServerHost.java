package io.mlcycle.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
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
import io.mlcycle.platform.config.ConfigException;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
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
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's HTTP endpoint on a non-blocking server (Vert.x core on Netty): a small router ({@link #route},
 * {@link #routeAsync}) with path templates, JSON bodies (Jackson), bounded UTF-8 request bodies (413, 400, 415),
 * problem answers ({@link HttpProblem}; 404/405/408/415; 500 without internals), optional bearer-token auth (401),
 * and the built-in {@code GET /health/live}, {@code GET /health/ready} (from {@link #readinessCheck}s) and
 * {@code GET /metrics} (Prometheus text of {@link #meterRegistry()}, with JVM metrics, a timer per route, and any
 * Kafka clients bound with the {@code bindKafka*} methods).
 *
 * <p>Threads: the event loops only read requests and write answers, so a slow client costs a connection, never a
 * thread. Handlers run on a bounded pool of worker threads ({@link Options#threads()}, queue
 * {@link Options#queueCapacity()}, 503 beyond it); an {@link AsyncHandler} hands its worker back as soon as it has
 * started its work. Every request must arrive whole and be answered within {@link Options#requestTimeout()} (408 or
 * 503 and the connection is closed), and a connection silent for {@link Options#idleTimeout()} is closed. Bodies
 * are collected into one buffer, bounded per request ({@link Options#maxBodyBytes()}) and in total over all
 * requests in progress ({@link Options#maxBufferedBytes()}, 503 beyond it).
 */
public final class HttpServerHost implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HttpServerHost.class);
    private static final String JSON = "application/json";
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    /** Metric tags for the method come from this set only; anything else is counted as {@code OTHER}. */
    private static final Set<String> KNOWN_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH",
            "OPTIONS", "TRACE", "CONNECT");
    private static final Set<String> PUBLIC_ROUTES = Set.of("/health/live", "/health/ready", "/metrics");
    private static final int EXCERPT = 120;

    public static final String HTTP_MAX_BODY_BYTES = "http.max.body.bytes";
    public static final String HTTP_THREADS = "http.threads";
    public static final String HTTP_QUEUE_CAPACITY = "http.queue.capacity";
    public static final String HTTP_REQUEST_TIMEOUT = "http.request.timeout";
    public static final String HTTP_IDLE_TIMEOUT = "http.idle.timeout";
    public static final String HTTP_MAX_BUFFERED_BYTES = "http.max.buffered.bytes";
    public static final String HTTP_AUTH_TOKEN = "http.auth.token";
    public static final String HTTP_EVENT_LOOPS = "http.event.loops";

    public static final int DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
    public static final int DEFAULT_THREADS = 4;
    public static final int DEFAULT_QUEUE_CAPACITY = 200;
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(60);
    public static final long DEFAULT_MAX_BUFFERED_BYTES = 64L * 1024 * 1024;
    public static final int DEFAULT_EVENT_LOOPS = 2;

    /**
     * @param serviceName      tagged on every metric as {@code service}
     * @param maxBodyBytes     larger request bodies get 413 ({@value #HTTP_MAX_BODY_BYTES}, default 1 MiB)
     * @param threads          handler threads ({@value #HTTP_THREADS}, default 4)
     * @param queueCapacity    requests queued for a handler thread, beyond which they get 503
     *                         ({@value #HTTP_QUEUE_CAPACITY}, default 200)
     * @param requestTimeout   a request must arrive and be answered within this ({@value #HTTP_REQUEST_TIMEOUT},
     *                         default 30 s)
     * @param idleTimeout      a connection silent this long is closed ({@value #HTTP_IDLE_TIMEOUT}, default 60 s)
     * @param maxBufferedBytes request bodies held at once over all connections, beyond which requests get 503
     *                         ({@value #HTTP_MAX_BUFFERED_BYTES}, default 64 MiB; at least {@code maxBodyBytes})
     * @param bearerToken      when set, every route but {@code /health/*} and {@code /metrics} needs
     *                         {@code Authorization: Bearer <token>} ({@value #HTTP_AUTH_TOKEN}, default none)
     * @param eventLoops       event-loop threads ({@value #HTTP_EVENT_LOOPS}, default 2)
     */
    public record Options(String serviceName, int maxBodyBytes, int threads, int queueCapacity, Duration requestTimeout,
                          Duration idleTimeout, long maxBufferedBytes, String bearerToken, int eventLoops) {
        public Options {
            Objects.requireNonNull(serviceName, "serviceName");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            if (maxBodyBytes < 0 || threads < 1 || queueCapacity < 1 || eventLoops < 1) {
                throw new IllegalArgumentException("maxBodyBytes >= 0, threads >= 1, queueCapacity >= 1 and"
                        + " eventLoops >= 1 are required");
            }
            if (requestTimeout.toMillis() < 1 || idleTimeout.toMillis() < 1) {
                throw new IllegalArgumentException("requestTimeout and idleTimeout must be at least 1 ms");
            }
            if (maxBufferedBytes < maxBodyBytes) {
                throw new IllegalArgumentException("maxBufferedBytes (" + maxBufferedBytes
                        + ") must be at least maxBodyBytes (" + maxBodyBytes + ")");
            }
            if (bearerToken != null && bearerToken.isBlank()) {
                bearerToken = null;
            }
        }

        public Options(String serviceName, int maxBodyBytes, int threads, int queueCapacity) {
            this(serviceName, maxBodyBytes, threads, queueCapacity, DEFAULT_REQUEST_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                    Math.max(DEFAULT_MAX_BUFFERED_BYTES, maxBodyBytes), null, DEFAULT_EVENT_LOOPS);
        }

        public static Options defaults(String serviceName) {
            return new Options(serviceName, DEFAULT_MAX_BODY_BYTES, DEFAULT_THREADS, DEFAULT_QUEUE_CAPACITY);
        }

        /**
         * The {@code http.*} keys of a configuration, over the defaults above.
         *
         * @throws ConfigException naming every bad key
         */
        public static Options from(ConfigSource source, String serviceName) {
            List<String> problems = new ArrayList<>();
            int maxBody = ConfigException.collect(problems, () -> source.getInt(HTTP_MAX_BODY_BYTES,
                    DEFAULT_MAX_BODY_BYTES, 0, Integer.MAX_VALUE - 1), DEFAULT_MAX_BODY_BYTES);
            int threads = ConfigException.collect(problems, () -> source.getInt(HTTP_THREADS, DEFAULT_THREADS, 1, 512),
                    DEFAULT_THREADS);
            int queue = ConfigException.collect(problems, () -> source.getInt(HTTP_QUEUE_CAPACITY,
                    DEFAULT_QUEUE_CAPACITY, 1, 1_000_000), DEFAULT_QUEUE_CAPACITY);
            Duration requestTimeout = ConfigException.collect(problems, () -> positive(source, HTTP_REQUEST_TIMEOUT,
                    DEFAULT_REQUEST_TIMEOUT), DEFAULT_REQUEST_TIMEOUT);
            Duration idleTimeout = ConfigException.collect(problems, () -> positive(source, HTTP_IDLE_TIMEOUT,
                    DEFAULT_IDLE_TIMEOUT), DEFAULT_IDLE_TIMEOUT);
            long buffered = ConfigException.collect(problems, () -> source.getLong(HTTP_MAX_BUFFERED_BYTES,
                    Math.max(DEFAULT_MAX_BUFFERED_BYTES, maxBody)), DEFAULT_MAX_BUFFERED_BYTES);
            if (buffered < maxBody) {
                problems.add("Invalid value " + buffered + " for configuration '" + HTTP_MAX_BUFFERED_BYTES
                        + "': expected at least " + HTTP_MAX_BODY_BYTES + " (" + maxBody + ")");
                buffered = maxBody;
            }
            int loops = ConfigException.collect(problems, () -> source.getInt(HTTP_EVENT_LOOPS, DEFAULT_EVENT_LOOPS,
                    1, 64), DEFAULT_EVENT_LOOPS);
            String token = source.getString(HTTP_AUTH_TOKEN, "").trim();
            if (!problems.isEmpty()) {
                throw new ConfigException(problems);
            }
            return new Options(serviceName, maxBody, threads, queue, requestTimeout, idleTimeout, buffered,
                    token.isEmpty() ? null : token, loops);
        }

        private static Duration positive(ConfigSource source, String key, Duration defaultValue) {
            Duration value = source.getDuration(key, defaultValue);
            if (value.toMillis() < 1) {
                throw new ConfigException("Invalid value " + value + " for configuration '" + key
                        + "': expected a positive duration");
            }
            return value;
        }

        public Options withMaxBodyBytes(int bytes) {
            return new Options(serviceName, bytes, threads, queueCapacity, requestTimeout, idleTimeout,
                    Math.max(maxBufferedBytes, bytes), bearerToken, eventLoops);
        }

        public Options withThreads(int handlerThreads) {
            return new Options(serviceName, maxBodyBytes, handlerThreads, queueCapacity, requestTimeout, idleTimeout,
                    maxBufferedBytes, bearerToken, eventLoops);
        }

        public Options withTimeouts(Duration request, Duration idle) {
            return new Options(serviceName, maxBodyBytes, threads, queueCapacity, request, idle, maxBufferedBytes,
                    bearerToken, eventLoops);
        }

        public Options withMaxBufferedBytes(long bytes) {
            return new Options(serviceName, maxBodyBytes, threads, queueCapacity, requestTimeout, idleTimeout, bytes,
                    bearerToken, eventLoops);
        }

        public Options withBearerToken(String token) {
            return new Options(serviceName, maxBodyBytes, threads, queueCapacity, requestTimeout, idleTimeout,
                    maxBufferedBytes, token, eventLoops);
        }

        @Override
        public String toString() {
            return "Options[serviceName=" + serviceName + ", maxBodyBytes=" + maxBodyBytes + ", threads=" + threads
                    + ", queueCapacity=" + queueCapacity + ", requestTimeout=" + requestTimeout + ", idleTimeout="
                    + idleTimeout + ", maxBufferedBytes=" + maxBufferedBytes + ", bearerToken="
                    + (bearerToken == null ? "none" : "***") + ", eventLoops=" + eventLoops + "]";
        }
    }

    /**
     * A route's handler: exactly one of {@code sync} and {@code async} is set. {@code inlineMaxBytes} gives, per
     * request, the largest body a sync handler that never blocks runs with on the event loop (-1: always a worker).
     */
    private record Route(String method, String template, List<String> segments, Handler sync, AsyncHandler async,
                         IntSupplier inlineMaxBytes) {
    }

    private static final IntSupplier NEVER_INLINE = () -> -1;

    private record Check(String name, BooleanSupplier check) {
    }

    /** An answer ready to write: rendered off the event loop. */
    private record Rendered(int status, Map<String, String> headers, byte[] body) {
    }

    private final String host;
    private final int requestedPort;
    private final Options options;
    private final ObjectMapper json;
    private final PrometheusMeterRegistry meterRegistry;
    private final List<AutoCloseable> binders = new CopyOnWriteArrayList<>();
    private final List<Route> routes = new CopyOnWriteArrayList<>();
    private final List<Check> readinessChecks = new CopyOnWriteArrayList<>();
    private final AtomicLong bufferedBytes = new AtomicLong();
    /** Connections waiting for (the headers of) their next request, with the timer that closes them. */
    private final Map<HttpConnection, Long> awaitingRequest = new ConcurrentHashMap<>();
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();
    private final byte[] tokenBytes;
    private final Rendered liveAnswer;
    private volatile Vertx vertx;
    private volatile HttpServer server;
    private volatile ThreadPoolExecutor executor;

    public HttpServerHost(String host, int port, Options options) {
        this.host = Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        this.requestedPort = port;
        this.options = Objects.requireNonNull(options, "options");
        this.tokenBytes = options.bearerToken() == null ? null : options.bearerToken().getBytes(StandardCharsets.UTF_8);
        this.json = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
        this.meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        meterRegistry.config().commonTags("service", options.serviceName());
        bindJvmMetrics();
        this.liveAnswer = render(Response.ok(Map.of("status", "UP")));
        route("GET", "/health/live", request -> Response.ok(Map.of("status", "UP")));
        route("GET", "/health/ready", request -> readiness());
        route("GET", "/metrics", request -> Response.text(200, PROMETHEUS_TEXT, meterRegistry.scrape()));
    }

    /** A host bound to {@code http.host}/{@code http.port} of the config, with its {@code http.*} options. */
    public static HttpServerHost create(PlatformConfig config, String serviceName) {
        return new HttpServerHost(config.httpHost(), config.httpPort(), Options.from(config.source(), serviceName));
    }

    public Options options() {
        return options;
    }

    /**
     * Adds a route whose handler runs on a worker thread and answers when it returns. {@code pathTemplate}
     * segments in braces are parameters: {@code /v1/pipelines/{pipeline}/events}. Routes may be added before or
     * after {@link #start()}.
     */
    public HttpServerHost route(String method, String pathTemplate, Handler handler) {
        return addRoute(method, pathTemplate, Objects.requireNonNull(handler, "handler"), null);
    }

    /** Adds a route whose handler is started on a worker thread and answers when its stage completes. */
    public HttpServerHost routeAsync(String method, String pathTemplate, AsyncHandler handler) {
        return addRoute(method, pathTemplate, null, Objects.requireNonNull(handler, "handler"), NEVER_INLINE);
    }

    /**
     * Adds a route whose handler never blocks and takes microseconds on a small body (no I/O, no locks held for
     * long): a request whose body holds at most {@code maxInlineBodyBytes} is answered on the event loop that read
     * it, with no hand-over to a worker and back; larger ones run on a worker like {@link #route}.
     */
    public HttpServerHost routeInline(String method, String pathTemplate, Handler handler, int maxInlineBodyBytes) {
        if (maxInlineBodyBytes < 0) {
            throw new IllegalArgumentException("maxInlineBodyBytes must be >= 0: " + maxInlineBodyBytes);
        }
        return addRoute(method, pathTemplate, Objects.requireNonNull(handler, "handler"), null,
                () -> maxInlineBodyBytes);
    }

    /**
     * {@link #routeInline(String, String, Handler, int)} with a limit read per request, for a handler whose cost per
     * byte changes while it runs (serving's predict scores each record with every model it serves).
     */
    public HttpServerHost routeInline(String method, String pathTemplate, Handler handler,
                                      IntSupplier maxInlineBodyBytes) {
        return addRoute(method, pathTemplate, Objects.requireNonNull(handler, "handler"), null,
                Objects.requireNonNull(maxInlineBodyBytes, "maxInlineBodyBytes"));
    }

    private HttpServerHost addRoute(String method, String pathTemplate, Handler sync, AsyncHandler async) {
        return addRoute(method, pathTemplate, sync, async, NEVER_INLINE);
    }

    private HttpServerHost addRoute(String method, String pathTemplate, Handler sync, AsyncHandler async,
                                    IntSupplier inlineMaxBytes) {
        if (!pathTemplate.startsWith("/")) {
            throw new IllegalArgumentException("path template must start with '/': " + pathTemplate);
        }
        String upperMethod = method.toUpperCase(Locale.ROOT);
        for (Route existing : routes) {
            if (existing.method().equals(upperMethod) && existing.template().equals(pathTemplate)) {
                throw new IllegalArgumentException("route already defined: " + upperMethod + " " + pathTemplate);
            }
        }
        routes.add(new Route(upperMethod, pathTemplate, segments(pathTemplate), sync, async, inlineMaxBytes));
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
        Vertx created = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(options.eventLoops())
                .setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
        AtomicInteger threadCount = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(options.threads(), options.threads(), 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(options.queueCapacity()), runnable -> {
                    Thread thread = new Thread(runnable, options.serviceName() + "-http-" + threadCount.incrementAndGet());
                    thread.setDaemon(true);
                    return thread;
                }, new ThreadPoolExecutor.AbortPolicy());
        HttpServerOptions serverOptions = new HttpServerOptions()
                .setHost(host)
                .setPort(requestedPort)
                .setTcpNoDelay(true)
                .setIdleTimeout((int) Math.max(1, options.idleTimeout().toMillis()))
                .setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setHttp2ClearTextEnabled(false)
                .setHandle100ContinueAutomatically(false)
                .setDecompressionSupported(false);
        HttpServer httpServer = created.createHttpServer(serverOptions)
                .connectionHandler(this::onConnection)
                .invalidRequestHandler(this::onInvalidRequest)
                .exceptionHandler(e -> log.debug("{} HTTP connection failed: {}", options.serviceName(), e.toString()))
                .requestHandler(this::onRequest);
        try {
            httpServer.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            pool.shutdownNow();
            created.close();
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            throw new IllegalStateException("Cannot listen for HTTP on " + host + ":" + requestedPort + ": "
                    + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pool.shutdownNow();
            created.close();
            throw new IllegalStateException("Interrupted while binding HTTP on " + host + ":" + requestedPort, e);
        }
        this.vertx = created;
        this.executor = pool;
        this.server = httpServer;
        log.info("{} HTTP listening on {} ({})", options.serviceName(), baseUrl(), options);
        return this;
    }

    /** The bound port (the real one when 0 was asked for); only after {@link #start()}. */
    public int port() {
        HttpServer current = server;
        if (current == null) {
            throw new IllegalStateException("not started");
        }
        return current.actualPort();
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

    /** Bytes of request bodies held right now (bounded by {@link Options#maxBufferedBytes()}). */
    public long bufferedBytes() {
        return bufferedBytes.get();
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
        Vertx currentVertx = vertx;
        if (current != null) {
            await(current.close().toCompletionStage(), "closing the HTTP server");
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
        if (currentVertx != null) {
            await(currentVertx.close().toCompletionStage(), "closing the HTTP event loops");
            vertx = null;
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

    private static void await(CompletionStage<?> stage, String what) {
        try {
            stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            log.warn("HTTP host: {} failed: {}", what, e.toString());
        }
    }

    // ---------------------------------------------------------------- connections

    private void onConnection(HttpConnection connection) {
        armRequestTimer(connection, options.requestTimeout().toMillis());
        connection.closeHandler(v -> {
            Long timer = awaitingRequest.remove(connection);
            if (timer != null && vertx != null) {
                vertx.cancelTimer(timer);
            }
        });
    }

    /** Closes a connection whose next request has not begun (its headers not complete) within {@code millis}. */
    private void armRequestTimer(HttpConnection connection, long millis) {
        Vertx current = vertx;
        if (current == null) {
            return;
        }
        long timer = current.setTimer(Math.max(1, millis), id -> {
            if (awaitingRequest.remove(connection, id)) {
                log.debug("{} HTTP: closing a connection that sent no complete request in {} ms",
                        options.serviceName(), millis);
                connection.close();
            }
        });
        Long previous = awaitingRequest.put(connection, timer);
        if (previous != null) {
            current.cancelTimer(previous);
        }
    }

    private void disarmRequestTimer(HttpConnection connection) {
        Long timer = awaitingRequest.remove(connection);
        if (timer != null && vertx != null) {
            vertx.cancelTimer(timer);
        }
    }

    /** Requests the HTTP decoder refused (line or headers too long, malformed): a JSON problem, then close. */
    private void onInvalidRequest(HttpServerRequest request) {
        disarmRequestTimer(request.connection());
        Throwable cause = request.decoderResult() == null ? null : request.decoderResult().cause();
        int status = 400;
        String code = "bad_request";
        String message = "The request is not valid HTTP/1.1";
        if (cause instanceof TooLongFrameException) {
            String text = String.valueOf(cause.getMessage()).toLowerCase(Locale.ROOT);
            if (text.contains("header")) {
                status = 431;
                code = "headers_too_large";
                message = "The request headers are too large";
            } else {
                status = 414;
                code = "request_line_too_long";
                message = "The request line (method and URI) is too long";
            }
        }
        Exchange exchange = new Exchange(request, System.nanoTime(), methodTag(request));
        exchange.finish(problemRendered(status, code, message), "invalid", true);
    }

    // ---------------------------------------------------------------- request handling

    /** One request from arrival to answer; every method runs on the request's event loop unless said otherwise. */
    private final class Exchange {
        final HttpServerRequest request;
        final Context context;
        final long started;
        final String methodTag;
        final AtomicBoolean finished = new AtomicBoolean();
        long reserved;
        long timer = -1;
        boolean bodyComplete;

        Exchange(HttpServerRequest request, long started, String methodTag) {
            this.request = request;
            this.context = Vertx.currentContext();
            this.started = started;
            this.methodTag = methodTag;
        }

        /** Reserves body bytes against the host-wide bound; false when the bound would be exceeded. */
        boolean reserve(long bytes) {
            while (true) {
                long current = bufferedBytes.get();
                if (current + bytes > options.maxBufferedBytes()) {
                    return false;
                }
                if (bufferedBytes.compareAndSet(current, current + bytes)) {
                    reserved += bytes;
                    return true;
                }
            }
        }

        void release() {
            if (reserved > 0) {
                bufferedBytes.addAndGet(-reserved);
                reserved = 0;
            }
        }

        /** Writes the answer once; may be called from any thread. */
        void finish(Rendered answer, String routeTag, boolean closeConnection) {
            if (context == null || Vertx.currentContext() == context) {
                write(answer, routeTag, closeConnection);
            } else {
                context.runOnContext(v -> write(answer, routeTag, closeConnection));
            }
        }

        private void write(Rendered answer, String routeTag, boolean closeConnection) {
            if (!finished.compareAndSet(false, true)) {
                return;
            }
            if (timer >= 0 && vertx != null) {
                vertx.cancelTimer(timer);
            }
            release();
            HttpServerResponse response = request.response();
            // An answer given before a body was read closes the connection rather than draining an unknown amount.
            boolean close = closeConnection || !bodyComplete && !request.isEnded() && hasBody(request);
            try {
                if (!response.closed() && !response.ended()) {
                    response.setStatusCode(answer.status());
                    answer.headers().forEach(response::putHeader);
                    if (close) {
                        response.putHeader("Connection", "close");
                    }
                    HttpConnection connection = request.connection();
                    io.vertx.core.Future<Void> sent = answer.body().length == 0 ? response.end()
                            : response.end(Buffer.buffer(answer.body()));
                    if (close) {
                        // After the answer is out, so the client reads it before the connection goes.
                        sent.onComplete(v -> connection.close());
                    } else if (connection != null) {
                        armRequestTimer(connection, options.idleTimeout().toMillis());
                    }
                }
            } catch (RuntimeException e) {
                log.debug("HTTP {} {}: writing the answer failed: {}", methodTag, excerpt(request.path()), e.toString());
            } finally {
                timer(methodTag, routeTag, answer.status()).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        }

        /** The client went away before the answer: forget the request. */
        void abandon() {
            if (finished.compareAndSet(false, true)) {
                if (timer >= 0 && vertx != null) {
                    vertx.cancelTimer(timer);
                }
                release();
            }
        }
    }

    /** The request timer of a (method, route, status): all three from fixed sets, so this map stays small. */
    private Timer timer(String method, String route, int status) {
        return timers.computeIfAbsent(method + ' ' + route + ' ' + status, key ->
                Timer.builder("http.server.requests").description("HTTP requests handled, by route")
                        .tags(List.of(Tag.of("method", method), Tag.of("route", route),
                                Tag.of("status", Integer.toString(status))))
                        .register(meterRegistry));
    }

    private void onRequest(HttpServerRequest request) {
        long started = System.nanoTime();
        HttpConnection connection = request.connection();
        if (connection != null) {
            disarmRequestTimer(connection);
        }
        Exchange exchange = new Exchange(request, started, methodTag(request));
        request.response().closeHandler(v -> exchange.abandon());
        String method = request.method().name().toUpperCase(Locale.ROOT);
        String rawPath = request.path();
        List<String> pathSegments;
        Map<String, List<String>> query;
        try {
            pathSegments = decodeSegments(rawPath);
            query = parseQuery(request.query());
        } catch (IllegalArgumentException e) {
            exchange.finish(problemRendered(400, "invalid_uri", "The request URI is not valid: " + e.getMessage()),
                    "invalid", false);
            return;
        }
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
        if (matched == null && allowed.isEmpty()) {
            exchange.finish(problemRendered(404, "not_found", "No resource at " + excerpt(rawPath)), "unmatched", false);
            return;
        }
        if (matched == null) {
            Rendered problem = problemRendered(405, "method_not_allowed", "Method " + excerpt(method)
                    + " is not allowed on " + excerpt(rawPath) + "; allowed: " + String.join(", ", allowed));
            Map<String, String> headers = new LinkedHashMap<>(problem.headers());
            headers.put("Allow", String.join(", ", allowed));
            exchange.finish(new Rendered(405, headers, problem.body()), "method_not_allowed", false);
            return;
        }
        String routeTag = matched.template();
        if (tokenBytes != null && !PUBLIC_ROUTES.contains(matched.template()) && !authorized(request)) {
            Rendered problem = problemRendered(401, "unauthorized", request.getHeader("Authorization") == null
                    ? "This endpoint needs the header 'Authorization: Bearer <token>'"
                    : "The bearer token is not valid");
            Map<String, String> headers = new LinkedHashMap<>(problem.headers());
            headers.put("WWW-Authenticate", "Bearer");
            exchange.finish(new Rendered(401, headers, problem.body()), routeTag, false);
            return;
        }
        if ("/health/live".equals(matched.template()) && "GET".equals(method)) {
            // Constant and cheap: answered on the event loop, so it stays fast whatever the workers are doing.
            exchange.bodyComplete = true;
            request.end().onComplete(v -> exchange.finish(liveAnswer, routeTag, false));
            return;
        }
        String declared = request.getHeader("Content-Length");
        long expected = -1;
        if (declared != null) {
            try {
                expected = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                exchange.finish(problemRendered(400, "invalid_content_length", "Content-Length '" + excerpt(declared)
                        + "' is not a number"), routeTag, true);
                return;
            }
            if (expected > options.maxBodyBytes()) {
                exchange.finish(tooLarge(), routeTag, true);
                return;
            }
            if (!exchange.reserve(expected)) {
                exchange.finish(overloaded("the server holds too many request bodies right now"), routeTag, true);
                return;
            }
        }
        Vertx current = vertx;
        exchange.timer = current.setTimer(options.requestTimeout().toMillis(), id -> {
            exchange.timer = -1;
            if (exchange.bodyComplete) {
                exchange.finish(withRetryAfter(problemRendered(503, "timeout", "The request was not answered within "
                        + options.requestTimeout().toMillis() + " ms; retry later")), routeTag, true);
            } else {
                exchange.finish(problemRendered(408, "request_timeout", "The request did not arrive whole within "
                        + options.requestTimeout().toMillis() + " ms"), routeTag, true);
            }
        });
        BodyCollector body = new BodyCollector(expected);
        Route route = matched;
        Map<String, String> pathParams = params;
        request.handler(chunk -> {
            if (exchange.finished.get()) {
                return;
            }
            int length = chunk.length();
            if ((long) body.length + length > options.maxBodyBytes()) {
                exchange.finish(tooLarge(), routeTag, true);
                return;
            }
            if (body.length + length > body.reservedFor(exchange) && !exchange.reserve(
                    (long) body.length + length - body.reservedFor(exchange))) {
                exchange.finish(overloaded("the server holds too many request bodies right now"), routeTag, true);
                return;
            }
            body.append(chunk);
        });
        request.exceptionHandler(e -> exchange.abandon());
        request.endHandler(v -> {
            exchange.bodyComplete = true;
            if (exchange.finished.get()) {
                return;
            }
            Request parsed = new Request(method, rawPath, route.template(), pathParams, query, lowerCaseHeaders(request),
                    body.bytes, body.length, json);
            if (body.length <= route.inlineMaxBytes().getAsInt()) {
                handle(exchange, route, parsed); // small and non-blocking: answered here, no hand-over
                return;
            }
            ThreadPoolExecutor pool = executor;
            try {
                if (pool == null) {
                    throw new RejectedExecutionException("closed");
                }
                pool.execute(() -> handle(exchange, route, parsed));
            } catch (RejectedExecutionException e) {
                exchange.finish(overloaded("all request threads are busy"), routeTag, false);
            }
        });
    }

    /** Runs on a worker: checks the body's encoding, calls the handler, renders its answer. */
    private void handle(Exchange exchange, Route route, Request request) {
        if (exchange.finished.get()) {
            return;
        }
        String routeTag = route.template();
        try {
            requireUtf8(request);
            if (route.sync() != null) {
                Response response = route.sync().handle(request);
                exchange.finish(renderChecked(response, request), routeTag, false);
                return;
            }
            CompletionStage<Response> stage = route.async().handle(request);
            if (stage == null) {
                throw new IllegalStateException("handler for " + request.method() + " " + routeTag + " returned null");
            }
            stage.whenComplete((response, failure) -> {
                Rendered answer;
                try {
                    answer = failure == null ? renderChecked(response, request) : failed(failure, request);
                } catch (RuntimeException e) {
                    answer = failed(e, request);
                }
                exchange.finish(answer, routeTag, false);
            });
        } catch (Exception e) {
            exchange.finish(failed(e, request), routeTag, false);
        }
    }

    private Rendered renderChecked(Response response, Request request) {
        if (response == null) {
            throw new IllegalStateException("handler for " + request.method() + " " + request.route() + " returned null");
        }
        return render(response);
    }

    private Rendered failed(Throwable failure, Request request) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof HttpProblem problem) {
            Rendered rendered = problemRendered(problem.status(), problem.error(), problem.getMessage());
            return problem.status() == 503 || problem.status() == 429 ? withRetryAfter(rendered) : rendered;
        }
        String reference = UUID.randomUUID().toString().substring(0, 8);
        log.error("HTTP {} {} failed (reference {})", request.method(), excerpt(request.path()), reference, cause);
        return problemRendered(500, "internal_error",
                "The server failed to handle the request; see the server log, reference " + reference);
    }

    private boolean authorized(HttpServerRequest request) {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, tokenBytes);
    }

    /**
     * Bodies are UTF-8 (the API says so): a charset parameter naming another is 415, bytes that are not UTF-8 are
     * 400. A NUL byte is refused in JSON and text bodies too: it cannot appear there unescaped, and it is what
     * UTF-16 or UTF-32 text (which JSON parsers otherwise detect and accept) looks like.
     */
    static void requireUtf8(Request request) {
        String contentType = request.header("content-type").orElse("");
        String mediaType = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        boolean textual = mediaType.isEmpty() || mediaType.startsWith("text/") || mediaType.contains("json")
                || mediaType.contains("ndjson") || mediaType.endsWith("+json") || mediaType.endsWith("yaml");
        if (!textual) {
            return;
        }
        String[] parts = contentType.split(";");
        for (int i = 1; i < parts.length; i++) {
            String[] param = parts[i].trim().split("=", 2);
            if (param.length == 2 && param[0].trim().equalsIgnoreCase("charset")) {
                String charset = param[1].trim().replace("\"", "");
                if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
                    throw new HttpProblem(415, "unsupported_charset", "The body must be UTF-8, but Content-Type names"
                            + " charset '" + excerpt(charset) + "'");
                }
            }
        }
        request.readBody((bytes, offset, length) -> {
            checkUtf8(bytes, offset, length);
            return null;
        });
    }

    private static void checkUtf8(byte[] bytes, int offset, int length) {
        int end = offset + length;
        boolean ascii = true;
        for (int i = offset; i < end; i++) {
            byte b = bytes[i];
            if (b == 0) {
                throw HttpProblem.badRequest("invalid_utf8", "The body is not UTF-8: it has a NUL byte at offset "
                        + (i - offset) + " (UTF-16 or UTF-32 text looks like this); send UTF-8");
            }
            if (b < 0) {
                ascii = false;
            }
        }
        if (ascii) {
            return;
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                throw HttpProblem.badRequest("invalid_utf8", "The body is not valid UTF-8: bad byte sequence at offset "
                        + (in.position() - offset) + "; send UTF-8");
            }
            if (result.isUnderflow()) {
                break;
            }
            out.clear();
        }
        out.clear();
        decoder.flush(out);
    }

    /** Collects a body into one array, sized up front when the length is declared. */
    private static final class BodyCollector {
        byte[] bytes;
        int length;
        final boolean declared;

        BodyCollector(long expected) {
            this.declared = expected >= 0;
            this.bytes = new byte[declared ? (int) expected : 0];
        }

        /** Bytes already counted against the host-wide bound for this body. */
        long reservedFor(Exchange exchange) {
            return exchange.reserved;
        }

        void append(Buffer chunk) {
            int needed = length + chunk.length();
            if (needed > bytes.length) {
                bytes = java.util.Arrays.copyOf(bytes, Math.max(needed, Math.max(1024, bytes.length * 2)));
            }
            chunk.getBytes(0, chunk.length(), bytes, length);
            length = needed;
        }
    }

    private Rendered tooLarge() {
        return problemRendered(413, "payload_too_large", "The request body exceeds the limit of "
                + options.maxBodyBytes() + " bytes");
    }

    private Rendered overloaded(String why) {
        return withRetryAfter(problemRendered(503, "overloaded", "The server is busy (" + why + "); retry later"));
    }

    private static Rendered withRetryAfter(Rendered rendered) {
        if (rendered.headers().containsKey("Retry-After")) {
            return rendered;
        }
        Map<String, String> headers = new LinkedHashMap<>(rendered.headers());
        headers.put("Retry-After", "1");
        return new Rendered(rendered.status(), headers, rendered.body());
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

    private Rendered problemRendered(int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        body.put("status", status);
        return render(Response.status(status, body));
    }

    /** Serialises an answer (JSON unless a byte[] or a non-JSON text). */
    private Rendered render(Response response) {
        Map<String, String> headers = new LinkedHashMap<>(response.headers());
        Object body = response.body();
        int status = response.status();
        if (body == null || status == 204 || status == 304) {
            return new Rendered(status, headers, new byte[0]);
        }
        String contentType = headers.entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase("Content-Type")).map(Map.Entry::getValue).findFirst().orElse(null);
        byte[] bytes;
        if (body instanceof byte[] raw) {
            bytes = raw;
            if (contentType == null) {
                headers.put("Content-Type", "application/octet-stream");
            }
        } else if (body instanceof CharSequence text && contentType != null
                && !contentType.toLowerCase(Locale.ROOT).contains("json")) {
            bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        } else {
            try {
                bytes = json.writeValueAsBytes(body);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("the answer cannot be written as JSON: " + e.getOriginalMessage(), e);
            }
            if (contentType == null) {
                headers.put("Content-Type", JSON);
            }
        }
        return new Rendered(status, headers, bytes);
    }

    // ---------------------------------------------------------------- routing helpers

    private static boolean hasBody(HttpServerRequest request) {
        String length = request.getHeader("Content-Length");
        return request.getHeader("Transfer-Encoding") != null || length != null && !length.trim().equals("0");
    }

    private static String methodTag(HttpServerRequest request) {
        String name;
        try {
            name = request.method() == null ? "" : request.method().name();
        } catch (RuntimeException e) {
            name = "";
        }
        return KNOWN_METHODS.contains(name) ? name : "OTHER";
    }

    /** At most a short excerpt of client-supplied text, for messages. */
    static String excerpt(String text) {
        if (text == null) {
            return "";
        }
        return text.length() <= EXCERPT ? text : text.substring(0, EXCERPT) + "... (" + text.length() + " characters)";
    }

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
        if (rawPath == null || !rawPath.startsWith("/")) {
            throw new IllegalArgumentException("the path must start with '/'");
        }
        List<String> decoded = new ArrayList<>();
        for (String part : segments(rawPath)) {
            decoded.add(decode(part.replace("+", "%2B")));
        }
        return decoded;
    }

    private static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bad percent-encoding in '" + excerpt(text) + "'");
        }
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
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
        }
        params.replaceAll((k, v) -> List.copyOf(v));
        return params;
    }

    private static Map<String, List<String>> lowerCaseHeaders(HttpServerRequest request) {
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : request.headers()) {
            headers.computeIfAbsent(entry.getKey().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(entry.getValue());
        }
        headers.replaceAll((k, v) -> List.copyOf(v));
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
