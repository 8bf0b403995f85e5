package io.mlcycle.mlcore.monitoring;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.TreeMap;

/**
 * Prequential ("test, then train") evaluation of a stream of predictions against their outcomes, next to two
 * baselines that see exactly the outcomes observed by each event's time: no-change (predict the most recent outcome
 * known at the event time, by event time) and class prior (predict the majority class of the outcomes known at the
 * event time). Before any outcome is known both baselines predict the negative class.
 *
 * <p>Events are taken in event-time order (then event id). An outcome counts as known at an event's time when it was
 * observed at or before that time. Events the model did not score (no champion yet) are counted but not evaluated,
 * for the model or the baselines, so all three are compared on the same events.
 */
public final class PrequentialEvaluator {

    /**
     * One labeled event and what the model said about it.
     *
     * @param eventId      the event's id (tie-breaker)
     * @param eventTime    event time, epoch ms
     * @param observedAt   when its outcome became known, epoch ms
     * @param label        the outcome
     * @param modelVersion the version that scored it, or null when none did
     * @param score        the model's score (ignored when not scored)
     * @param decision     the model's decision (ignored when not scored)
     */
    public record Observation(String eventId, long eventTime, long observedAt, boolean label, String modelVersion,
                              double score, boolean decision) {
        public Observation {
            Objects.requireNonNull(eventId, "eventId");
        }

        public boolean scored() {
            return modelVersion != null;
        }
    }

    /** Correct predictions out of evaluated events. */
    public record Tally(long correct, long total) {
        public double accuracy() {
            return total == 0 ? Double.NaN : (double) correct / total;
        }

        Tally add(boolean right) {
            return new Tally(correct + (right ? 1 : 0), total + 1);
        }
    }

    /** Accuracy of the model and of both baselines over one period of event time. */
    public record Period(long start, long end, Tally model, Tally noChange, Tally classPrior) {
    }

    /** One point of the rolling accuracy: the event time and the accuracy of the last {@code rollingWindow} events. */
    public record Point(long eventTime, double model, double noChange, double classPrior) {
    }

    /**
     * The evaluation.
     *
     * @param events     all events given
     * @param unscored   events no model scored
     * @param model      the model over scored events
     * @param noChange   the no-change baseline over the same events
     * @param classPrior the class-prior baseline over the same events
     * @param rocAuc     the model's ROC AUC over scored events
     * @param perVersion the model per version, in order of first use
     * @param periods    per period of event time
     * @param rolling    rolling accuracy, one point per scored event
     */
    public record Result(long events, long unscored, Tally model, Tally noChange, Tally classPrior, double rocAuc,
                         Map<String, Tally> perVersion, List<Period> periods, List<Point> rolling) {
    }

    private final long periodMillis;
    private final int rollingWindow;

    /**
     * @param periodMillis  length of the "over time" periods, epoch-aligned
     * @param rollingWindow events in the rolling accuracy
     */
    public PrequentialEvaluator(long periodMillis, int rollingWindow) {
        if (periodMillis <= 0 || rollingWindow <= 0) {
            throw new IllegalArgumentException("periodMillis and rollingWindow must be positive");
        }
        this.periodMillis = periodMillis;
        this.rollingWindow = rollingWindow;
    }

    public Result evaluate(List<Observation> observations) {
        List<Observation> events = new ArrayList<>(observations);
        events.sort(Comparator.comparingLong(Observation::eventTime).thenComparing(Observation::eventId));
        PriorityQueue<Observation> pending = new PriorityQueue<>(
                Comparator.comparingLong(Observation::observedAt).thenComparingLong(Observation::eventTime)
                        .thenComparing(Observation::eventId));
        Observation latestKnown = null;
        long knownPositives = 0;
        long knownNegatives = 0;

        Tally model = new Tally(0, 0);
        Tally noChange = new Tally(0, 0);
        Tally prior = new Tally(0, 0);
        Map<String, Tally> perVersion = new LinkedHashMap<>();
        TreeMap<Long, Period> periods = new TreeMap<>();
        List<Point> rolling = new ArrayList<>();
        boolean[] windowModel = new boolean[rollingWindow];
        boolean[] windowNoChange = new boolean[rollingWindow];
        boolean[] windowPrior = new boolean[rollingWindow];
        int[] windowSums = new int[3];
        long unscored = 0;
        List<Boolean> labels = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        long index = 0;

        for (Observation event : events) {
            while (!pending.isEmpty() && pending.peek().observedAt() <= event.eventTime()) {
                Observation known = pending.poll();
                if (known.label()) {
                    knownPositives++;
                } else {
                    knownNegatives++;
                }
                if (latestKnown == null || known.eventTime() > latestKnown.eventTime()
                        || (known.eventTime() == latestKnown.eventTime()
                        && known.eventId().compareTo(latestKnown.eventId()) > 0)) {
                    latestKnown = known;
                }
            }
            pending.add(event);
            if (!event.scored()) {
                unscored++;
                continue;
            }
            boolean modelRight = event.decision() == event.label();
            boolean noChangeRight = (latestKnown != null && latestKnown.label()) == event.label();
            boolean priorRight = (knownPositives > knownNegatives) == event.label();
            model = model.add(modelRight);
            noChange = noChange.add(noChangeRight);
            prior = prior.add(priorRight);
            perVersion.merge(event.modelVersion(), new Tally(modelRight ? 1 : 0, 1),
                    (a, b) -> new Tally(a.correct() + b.correct(), a.total() + b.total()));
            long start = Math.floorDiv(event.eventTime(), periodMillis) * periodMillis;
            Period period = periods.getOrDefault(start,
                    new Period(start, start + periodMillis, new Tally(0, 0), new Tally(0, 0), new Tally(0, 0)));
            periods.put(start, new Period(start, start + periodMillis, period.model().add(modelRight),
                    period.noChange().add(noChangeRight), period.classPrior().add(priorRight)));
            labels.add(event.label());
            scores.add(event.score());

            int slot = (int) (index % rollingWindow);
            if (index >= rollingWindow) {
                windowSums[0] -= windowModel[slot] ? 1 : 0;
                windowSums[1] -= windowNoChange[slot] ? 1 : 0;
                windowSums[2] -= windowPrior[slot] ? 1 : 0;
            }
            windowModel[slot] = modelRight;
            windowNoChange[slot] = noChangeRight;
            windowPrior[slot] = priorRight;
            windowSums[0] += modelRight ? 1 : 0;
            windowSums[1] += noChangeRight ? 1 : 0;
            windowSums[2] += priorRight ? 1 : 0;
            index++;
            double size = Math.min(index, rollingWindow);
            rolling.add(new Point(event.eventTime(), windowSums[0] / size, windowSums[1] / size, windowSums[2] / size));
        }
        double auc = Double.NaN;
        if (!labels.isEmpty()) {
            boolean[] y = new boolean[labels.size()];
            double[] s = new double[scores.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = labels.get(i);
                s[i] = scores.get(i);
            }
            auc = BinaryMetrics.rocAuc(y, s);
        }
        return new Result(events.size(), unscored, model, noChange, prior, auc, perVersion,
                List.copyOf(periods.values()), rolling);
    }
}
