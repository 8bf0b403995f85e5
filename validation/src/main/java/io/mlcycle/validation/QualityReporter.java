package io.mlcycle.validation;

import io.mlcycle.mlcore.profile.AvroProfiles;
import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.DriftScore;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.profile.DataProfile;
import io.mlcycle.mlcore.profile.DriftCalculator;
import io.mlcycle.mlcore.profile.DriftReport;
import io.mlcycle.mlcore.profile.FeatureDrift;
import io.mlcycle.mlcore.profile.WindowSummary;
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
 * Turns a closed pipeline window ({@link WindowSummary}) into its {@link QualityReport}: counts, violations per code,
 * the profile of the passing records (count, missing, mean, standard deviation, min, max, KLL deciles as
 * {@code bin_edges}, frequent items as {@code category_frequencies}) and the drift verdicts of every feature against
 * the champion's reference profile (PSI, KS or Jensen-Shannon, each three-level); a drift finding (an {@link Alert}
 * with the evidence) when a feature's verdict is {@code drift}; DATA_QUALITY alerts for missed window expectations.
 * {@link #skew} compares a window of the features serving scored the same way (training/serving skew).
 *
 * <p>Drift is only computed when a champion with a reference profile exists and at least half of the window's
 * records passed: drift over a handful of records is noise, and a window that is mostly quarantined is a
 * data-quality problem, visible in the report's counts, not a distribution shift. Stateless and thread-safe.
 */
final class QualityReporter {

    static final String SOURCE_SERVICE = "validation";
    /** Evidence key: what the window was compared with the champion's training profile. */
    static final String COMPARISON = "comparison";

    private static final Logger LOG = LoggerFactory.getLogger(QualityReporter.class);

    private final PipelineSpec spec;
    private final List<FeatureDefinition> definitions;
    private final long minPassedForDrift;

    QualityReporter(PipelineSpec spec) {
        this.spec = spec;
        this.definitions = FeatureDefinition.fromSpec(spec);
        this.minPassedForDrift = Math.max(1, (spec.drift().windowRecords() + 1) / 2);
    }

    /**
     * The report of a closed window and, if the window drifted, the finding.
     *
     * @param windowId the window's id (pipeline and sequence)
     * @param champion the current champion, if any
     * @param now      emission time
     */
    WindowResult report(String windowId, WindowSummary window, Optional<ModelVersion> champion, Instant now) {
        Optional<ModelVersion> reference = withReference(champion);
        io.mlcycle.avro.DataProfile profile;
        List<DriftScore> scores = new ArrayList<>();
        Alert finding = null;
        try {
            profile = profile(window);
            if (reference.isPresent() && window.passed() >= minPassedForDrift) {
                DriftReport drift = drift(reference.get(), window);
                scores.addAll(scores(drift));
                if (drift.drifted()) {
                    finding = finding(AlertType.DRIFT, "finding-" + windowId, windowId, window, reference.get(),
                            drift.driftedFeatures(), "training_data", now);
                }
            }
        } catch (RuntimeException e) {
            // A profile that cannot be computed (e.g. a malformed reference profile) must not stop validation:
            // the report keeps its counts, without profile and drift.
            LOG.warn("Window {} of pipeline {}: cannot compute the profile or drift, reporting counts only: {}",
                    windowId, spec.pipeline(), e.toString());
            profile = io.mlcycle.avro.DataProfile.newBuilder().setRecordCount(window.passed())
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

    /**
     * Training/serving skew: the features the champion scored in {@code window} against its training profile; a
     * SKEW finding when a feature's verdict is {@code drift}. Empty without a reference or when nothing drifted.
     */
    Optional<Alert> skew(String windowId, WindowSummary window, Optional<ModelVersion> champion, Instant now) {
        Optional<ModelVersion> reference = withReference(champion);
        if (reference.isEmpty() || window.passed() < minPassedForDrift) {
            return Optional.empty();
        }
        try {
            DriftReport drift = drift(reference.get(), window);
            LOG.info("Serving window {} of pipeline {}: {} of {} feature statistics drifted from the training data",
                    windowId, spec.pipeline(), drift.driftedFeatures().size(), drift.features().size());
            return drift.drifted() ? Optional.of(finding(AlertType.SKEW, "skew-" + windowId, windowId, window,
                    reference.get(), drift.driftedFeatures(), "training_serving_skew", now)) : Optional.empty();
        } catch (RuntimeException e) {
            LOG.warn("Serving window {} of pipeline {}: cannot compute skew: {}", windowId, spec.pipeline(),
                    e.toString());
            return Optional.empty();
        }
    }

    private static Optional<ModelVersion> withReference(Optional<ModelVersion> champion) {
        return champion.filter(c -> c.getReferenceProfile() != null
                && !c.getReferenceProfile().getFeatures().isEmpty());
    }

    private static List<DriftScore> scores(DriftReport drift) {
        List<DriftScore> scores = new ArrayList<>();
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
        return scores;
    }

    /**
     * The Avro profile of the window's passing records; categorical features list their frequent items (declared
     * values, then any other value the sketch found frequent, the remainder under {@code (other)}).
     */
    private io.mlcycle.avro.DataProfile profile(WindowSummary window) {
        io.mlcycle.avro.DataProfile profile = AvroProfiles.toAvro(window.profile());
        for (io.mlcycle.avro.FeatureProfile feature : profile.getFeatures()) {
            if (feature.getKind() == io.mlcycle.avro.FeatureKind.NUMERIC) {
                continue;
            }
            long present = feature.getCount() - feature.getMissing();
            if (present <= 0) {
                continue;
            }
            Map<String, Double> frequencies = new LinkedHashMap<>();
            feature.getCategoryFrequencies().keySet().stream()
                    .filter(k -> !k.equals(AvroProfiles.OTHER)).forEach(k -> frequencies.put(k, 0.0));
            double covered = 0;
            for (Map.Entry<String, Long> item : window.frequentItems(feature.getName()).entrySet()) {
                double share = (double) item.getValue() / present;
                frequencies.merge(item.getKey(), share, Double::sum);
                covered += share;
            }
            if (covered < 1.0 - 1e-9) {
                frequencies.put(AvroProfiles.OTHER, 1.0 - covered);
            }
            feature.setCategoryFrequencies(frequencies);
        }
        return profile;
    }

    /** One DATA_QUALITY alert per expectation of {@code gates.window} the window missed. */
    private List<Alert> expectations(String windowId, WindowSummary window, io.mlcycle.avro.DataProfile profile,
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

    private Alert qualityAlert(String windowId, WindowSummary window, String statistic, String feature,
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

    private DriftReport drift(ModelVersion champion, WindowSummary window) {
        DataProfile referenceProfile = AvroProfiles.fromAvro(champion.getReferenceProfile(), definitions);
        return DriftCalculator.compare(window.against(referenceProfile), spec.drift());
    }

    private Alert finding(AlertType type, String alertId, String windowId, WindowSummary window,
                          ModelVersion champion, List<FeatureDrift> drifted, String comparison, Instant now) {
        FeatureDrift worst = drifted.stream()
                .max(Comparator.comparingDouble(d -> d.value() / d.threshold())).orElseThrow();
        String features = drifted.stream().map(FeatureDrift::feature).distinct().collect(Collectors.joining(","));
        String statistics = drifted.stream().map(d -> d.feature() + " " + d.statistic() + " " + format(d.value())
                + " > " + format(d.threshold())).collect(Collectors.joining("; "));
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put(COMPARISON, comparison);
        evidence.put("feature", worst.feature());
        evidence.put("statistic", worst.statistic());
        evidence.put("value", format(worst.value()));
        evidence.put("threshold", format(worst.threshold()));
        evidence.put("p_value", Double.isFinite(worst.pValue()) ? String.format(Locale.ROOT, "%.3g", worst.pValue())
                : "n/a");
        evidence.put("significance", format(spec.drift().significance()));
        evidence.put("window", windowId);
        evidence.put("windows", windowId);
        evidence.put("window_start", Instant.ofEpochMilli(window.startMillis()).toString());
        evidence.put("window_end", Instant.ofEpochMilli(window.endMillis()).toString());
        evidence.put("window_records", Long.toString(window.records()));
        evidence.put("drifted_features", features);
        evidence.put("drifted_statistics", statistics);
        evidence.put(io.mlcycle.schemas.TriggerEvidence.CHAMPION_VERSION, champion.getVersion());
        String what = type == AlertType.SKEW
                ? "Training/serving skew: feature " + worst.feature() + " as serving scored it differs from"
                : "Feature " + worst.feature() + " drifted from";
        String message = what + " the training data of champion " + champion.getVersion() + ": "
                + worst.statistic().toUpperCase(Locale.ROOT) + " " + format(worst.value()) + " > "
                + format(worst.threshold()) + " (p " + evidence.get("p_value") + ") in window " + windowId + " ("
                + window.passed() + " records)" + (drifted.size() > 1 ? "; all crossings: " + statistics : "");
        return Alert.newBuilder()
                .setAlertId(alertId)
                .setPipeline(spec.pipeline())
                .setType(type)
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
