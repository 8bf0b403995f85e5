#!/bin/sh
# Picks what the image runs from its first argument; the rest are passed on.
set -eu
what="${1:-mlcycle}"
[ "$#" -gt 0 ] && shift
case "$what" in
  ingestion)             main=io.mlcycle.ingestion.IngestionMain ;;
  validation)            main=io.mlcycle.validation.ValidationMain ;;
  serving-feedback)      main=io.mlcycle.serving.ServingFeedbackMain ;;
  training-orchestrator) main=io.mlcycle.orchestrator.OrchestratorMain ;;
  mlcycle)               exec java ${JAVA_OPTS:-} -cp '/app/lib/*' io.mlcycle.cli.Mlcycle "$@" ;;
  *) echo "usage: ingestion | validation | serving-feedback | training-orchestrator | mlcycle [args]" >&2; exit 2 ;;
esac
# Services log to stdout; MLCYCLE_LOG_FORMAT=json makes it JSON lines.
exec java ${JAVA_OPTS:-} -Dlogback.configurationFile=mlcycle-service-logback.xml -cp '/app/lib/*' "$main" "$@"
