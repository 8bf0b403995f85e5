package io.mlcycle.validation;

import io.mlcycle.mlcore.profile.AvroProfiles;
import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.DriftScore;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureExtractor;
import io.mlcycle.mlcore.profile.DataProfile;
import io.mlcycle.mlcore.profile.DataProfiler;
import io.mlcycle.mlcore.profile.DriftCalculator;
import io.mlcycle.mlcore.profile.DriftReport;
import io.mlcycle.mlcore.profile.FeatureDrift;
import io.mlcycle.mlcore.profile.WindowProfile;
import io.mlcycle.mlcore.spec.GatesSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a closed quality window into its {@link QualityReport} (counts, violations per code, the profile of the
 * passing records, PSI per feature against the champion's reference profile) and, when a feature's PSI exceeds the
 * spec's {@code drift.psi_threshold}, a drift finding (an {@link Alert} carrying the evidence) for the debouncer.
 *
 * <p>Drift is only computed when a champion with a reference profile exists and at least half of the window's
 * records passed: PSI over a handful of records is noise, and a window that is mostly quarantined is a data-quality
 * problem, visible in the report's counts, not a distribution shift. Stateless and thread-safe.
 */
final class QualityReporter {

    static final String SOURCE_SERVICE = "validation";

    private static final Logger LOG = LoggerFactory.getLogger(QualityReporter.class);

    private final PipelineSpec spec;
    private final List<FeatureDefinition> definitions;
    private final FeatureExtractor extractor;
    private final DataProfiler profiler;
    private final double psiThreshold;
    private final long minPassedForDrift;

    QualityReporter(PipelineSpec spec) {
        this.spec = spec;
        this.definitions = FeatureDefinition.fromSpec(spec);
        this.extractor = new FeatureExtractor(spec);
        this.profiler = new DataProfiler(definitions);
        this.psiThreshold = spec.drift().psiThreshold();
        this.minPassedForDrift = Math.max(1, (spec.drift().windowRecords() + 1) / 2);
    }

    /**
     * The report of a closed window and, if the window drifted, the finding.
     *
     * @param taskId   the stream task that owns the window (window ids are unique per task)
     * @param champion the current champion, if any
     * @param now      emission time
     */
    WindowResult report(String taskId, QualityWindow.Closed window, Optional<ModelVersion> champion, Instant now) {
        String windowId = taskId + "-" + window.sequence();
        List<Map<String, Object>> rows = window.passedRecords().stream().map(extractor::features).toList();
        Optional<ModelVersion> reference = champion.filter(c -> c.getReferenceProfile() != null
                && !c.getReferenceProfile().getFeatures().isEmpty());
        io.mlcycle.avro.DataProfile profile;
        List<DriftScore> scores = new ArrayList<>();
        Alert finding = null;
        try {
            profile = AvroProfiles.toAvro(profiler.profile(rows));
            if (reference.isPresent() && rows.size() >= minPassedForDrift) {
                DriftReport drift = drift(reference.get(), rows);
                for (FeatureDrift feature : drift.features()) {
                    if (Double.isFinite(feature.value())) {
                        scores.add(DriftScore.newBuilder()
                                .setFeature(feature.feature())
                                .setStatistic(feature.statistic())
                                .setValue(feature.value())
                                .setThreshold(feature.threshold())
                                .setDrifted(feature.drifted())
                                .setVerdict(feature.verdict().name().toLowerCase(Locale.ROOT))
                                .setPValue(Double.isFinite(feature.pValue()) ? feature.pValue() : null)
                                .build());
                    }
                }
                if (drift.drifted()) {
                    finding = finding(windowId, window, reference.get(), drift.driftedFeatures(), now);
                }
            }
        } catch (RuntimeException e) {
            // A profile that cannot be computed (e.g. a malformed reference profile) must not stop validation:
            // the report keeps its counts, without profile and drift.
            LOG.warn("Window {} of pipeline {}: cannot compute the profile or drift, reporting counts only: {}",
                    windowId, spec.pipeline(), e.toString());
            profile = io.mlcycle.avro.DataProfile.newBuilder().setRecordCount(rows.size())
                    .setFeatures(new ArrayList<>()).build();
            scores.clear();
            finding = null;
        }

        QualityReport report = QualityReport.newBuilder()
                .setPipeline(spec.pipeline())
                .setWindowId(windowId)
                .setWindowStart(Instant.ofEpochMilli(window.startMillis()))
                .setWindowEnd(Instant.ofEpochMilli(window.endMillis()))
                .setRecordCount(window.records())
                .setPassed(window.passed())
                .setQuarantined(window.quarantined())
                .setViolations(new LinkedHashMap<>(window.violations()))
                .setProfile(profile)
                .setReferenceModelVersion(reference.map(ModelVersion::getVersion).orElse(null))
                .setDrift(scores)
                .setEmittedAt(now)
                .build();
        return new WindowResult(report, Optional.ofNullable(finding), expectations(windowId, window, profile, now));
    }

    /** One DATA_QUALITY alert per expectation of {@code gates.window} the window missed. */
    private List<Alert> expectations(String windowId, QualityWindow.Closed window, io.mlcycle.avro.DataProfile profile,
                                     Instant now) {
        GatesSpec.WindowExpectations expected = spec.gates().window();
        List<Alert> alerts = new ArrayList<>();
        if (expected.maxQuarantineRate() != null && window.records() > 0) {
            double rate = (double) window.quarantined() / window.records();
            if (rate > expected.maxQuarantineRate()) {
                alerts.add(qualityAlert(windowId, window, "quarantine_rate", null, rate, expected.maxQuarantineRate(),
                        "Quarantine rate " + format(rate) + " above the expected maximum "
                                + format(expected.maxQuarantineRate()) + " in window " + windowId, now));
            }
        }
        if (expected.maxMissingRate() != null) {
            for (io.mlcycle.avro.FeatureProfile feature : profile.getFeatures()) {
                if (feature.getCount() == 0) {
                    continue;
                }
                double rate = (double) feature.getMissing() / feature.getCount();
                if (rate > expected.maxMissingRate()) {
                    alerts.add(qualityAlert(windowId, window, "missing_rate", feature.getName(), rate,
                            expected.maxMissingRate(), "Feature " + feature.getName() + " is missing in "
                                    + format(rate) + " of the passing records, above the expected maximum "
                                    + format(expected.maxMissingRate()) + " in window " + windowId, now));
                }
            }
        }
        if (expected.minRecordsPerHour() != null && window.endMillis() > window.startMillis()) {
            double hours = (window.endMillis() - window.startMillis()) / 3_600_000.0;
            double perHour = window.records() / hours;
            if (perHour < expected.minRecordsPerHour()) {
                alerts.add(qualityAlert(windowId, window, "records_per_hour", null, perHour,
                        expected.minRecordsPerHour(), "Volume " + format(perHour) + " records per hour (event time)"
                                + " below the expected minimum " + format(expected.minRecordsPerHour())
                                + " in window " + windowId, now));
            }
        }
        return alerts;
    }

    private Alert qualityAlert(String windowId, QualityWindow.Closed window, String statistic, String feature,
                               double value, double threshold, String message, Instant now) {
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("statistic", statistic);
        if (feature != null) {
            evidence.put("feature", feature);
        }
        evidence.put("value", format(value));
        evidence.put("threshold", format(threshold));
        evidence.put("window", windowId);
        evidence.put("window_start", Instant.ofEpochMilli(window.startMillis()).toString());
        evidence.put("window_end", Instant.ofEpochMilli(window.endMillis()).toString());
        evidence.put("window_records", Long.toString(window.records()));
        return Alert.newBuilder()
                .setAlertId("quality-" + windowId + "-" + statistic + (feature == null ? "" : "-" + feature))
                .setPipeline(spec.pipeline())
                .setType(AlertType.DATA_QUALITY)
                .setSeverity(Severity.WARNING)
                .setSourceService(SOURCE_SERVICE)
                .setSubject(feature == null ? statistic : feature)
                .setMessage(message)
                .setEvidence(evidence)
                .setRaisedAt(now)
                .build();
    }

    private DriftReport drift(ModelVersion champion, List<Map<String, Object>> rows) {
        DataProfile referenceProfile = AvroProfiles.fromAvro(champion.getReferenceProfile(), definitions);
        WindowProfile counts = WindowProfile.against(referenceProfile);
        rows.forEach(counts::add);
        return DriftCalculator.compare(counts, psiThreshold, spec.drift().significance());
    }

    private Alert finding(String windowId, QualityWindow.Closed window, ModelVersion champion,
                          List<FeatureDrift> drifted, Instant now) {
        FeatureDrift worst = drifted.stream().max(Comparator.comparingDouble(FeatureDrift::value)).orElseThrow();
        String others = drifted.stream().map(FeatureDrift::feature).collect(Collectors.joining(","));
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("feature", worst.feature());
        evidence.put("statistic", worst.statistic());
        evidence.put("value", format(worst.value()));
        evidence.put("threshold", format(worst.threshold()));
        evidence.put("p_value", Double.isFinite(worst.pValue()) ? String.format(Locale.ROOT, "%.3g", worst.pValue())
                : "n/a");
        evidence.put("significance", format(spec.drift().significance()));
        evidence.put("window", windowId);
        evidence.put("window_start", Instant.ofEpochMilli(window.startMillis()).toString());
        evidence.put("window_end", Instant.ofEpochMilli(window.endMillis()).toString());
        evidence.put("window_records", Long.toString(window.records()));
        evidence.put("drifted_features", others);
        evidence.put(DriftDebouncer.CHAMPION_VERSION, champion.getVersion());
        String message = "Feature " + worst.feature() + " drifted: " + worst.statistic().toUpperCase(Locale.ROOT) + " "
                + format(worst.value()) + " > " + format(worst.threshold()) + " in window " + windowId + " ("
                + window.passed() + " passing records) against the training data of champion "
                + champion.getVersion() + (drifted.size() > 1 ? "; drifted features: " + others : "");
        return Alert.newBuilder()
                .setAlertId("finding-" + windowId)
                .setPipeline(spec.pipeline())
                .setType(AlertType.DRIFT)
                .setSeverity(Severity.WARNING)
                .setSourceService(SOURCE_SERVICE)
                .setSubject(worst.feature())
                .setMessage(message)
                .setEvidence(evidence)
                .setRaisedAt(now)
                .build();
    }

    private static String format(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    /** A window's report and its drift finding, if it drifted. */
    record WindowResult(QualityReport report, Optional<Alert> driftFinding, List<Alert> qualityAlerts) {
    }
}
