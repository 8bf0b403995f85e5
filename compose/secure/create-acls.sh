#!/usr/bin/env bash
# ACLs of the secured compose stack, for one pipeline (first argument, default credit). Run as admin.
# Writes: each service only its own outputs; only the training orchestrator writes <p>.models (serving's stage
# decisions on online evidence go to <p>.models.decisions, which the orchestrator applies to the registry).
# Reads: every service and the operator may read (and describe) the pipeline's topics.
# Kafka Streams services also own their internal topics, consumer group and transactional ids, all prefixed by their
# application id mlcycle-<p>-<service>.
set -euo pipefail
p="${1:-credit}"
acls() { /opt/kafka/bin/kafka-acls.sh --bootstrap-server kafka:29092 --command-config /etc/mlcycle/admin.properties "$@"; }

write() { # principal topic-suffix...
  local who="$1"; shift
  for suffix in "$@"; do
    acls --add --allow-principal "User:$who" --operation Write --operation Describe --topic "$p.$suffix"
  done
}
reads() { # principal
  acls --add --allow-principal "User:$1" --operation Read --operation Describe --topic "$p." --resource-pattern-type prefixed
}
app() { # principal application-id (Streams internal topics, group, transactions)
  acls --add --allow-principal "User:$1" --operation All --topic "$2" --resource-pattern-type prefixed
  acls --add --allow-principal "User:$1" --operation Read --operation Describe --group "$2" --resource-pattern-type prefixed
  acls --add --allow-principal "User:$1" --operation Write --operation Describe --transactional-id "$2" --resource-pattern-type prefixed
}

write ingestion data.raw data.quarantine
reads ingestion

write validation data.validated data.quarantine quality.reports monitoring.alerts training.triggers
reads validation
app validation "mlcycle-$p-validation"

write serving-feedback predictions feedback examples.labeled data.quarantine monitoring.metrics monitoring.alerts \
  monitoring.observations models.decisions training.triggers
reads serving-feedback
app serving-feedback "mlcycle-$p-serving-feedback"

write training-orchestrator models training.runs training.triggers monitoring.alerts
reads training-orchestrator
app training-orchestrator "mlcycle-$p-training-orchestrator"

# The schema registry keeps its schemas in _schemas and coordinates through its group.
acls --add --allow-principal "User:schema-registry" --operation All --topic _schemas
acls --add --allow-principal "User:schema-registry" --operation All --group schema-registry
acls --add --allow-principal "User:schema-registry" --operation Describe --operation DescribeConfigs --cluster

# The operator (mlcycle status / tail): read-only; status also reads the services' committed offsets.
reads operator
acls --add --allow-principal "User:operator" --operation Describe --group "mlcycle-$p-" --resource-pattern-type prefixed

acls --list --topic "$p.models"
acls --list --topic "$p.models.decisions"
