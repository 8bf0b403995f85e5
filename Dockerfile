# One image for the four services and the mlcycle command; its first argument picks which runs:
#   ingestion | validation | serving-feedback | training-orchestrator | mlcycle <args>
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# Builds the CLI and everything it depends on (the four services included), then gathers the runtime jars.
RUN mvn -B -q -DskipTests -Dmaven.test.skip=true -pl cli -am package \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
    && cp schemas/target/schemas-*.jar platform/target/platform-*.jar ml-core/target/ml-core-*.jar \
          local-stack/target/local-stack-*.jar ingestion/target/ingestion-*.jar validation/target/validation-*.jar \
          training-orchestrator/target/training-orchestrator-*.jar serving-feedback/target/serving-feedback-*.jar \
          cli/target/cli-*.jar /app/lib/

FROM eclipse-temurin:17-jre
# curl answers the healthchecks.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/mlcycle --create-home mlcycle
COPY --from=build /app/lib /app/lib
COPY docker/entrypoint.sh /app/entrypoint.sh
# Services listen on every interface inside a container; state and logs live under /var/lib/mlcycle.
ENV MLCYCLE_HTTP_HOST=0.0.0.0 \
    MLCYCLE_STATE_DIR=/var/lib/mlcycle/state \
    MLCYCLE_LOG_DIR=/var/lib/mlcycle/logs
USER mlcycle
WORKDIR /var/lib/mlcycle
ENTRYPOINT ["/app/entrypoint.sh"]
CMD ["mlcycle", "--help"]
