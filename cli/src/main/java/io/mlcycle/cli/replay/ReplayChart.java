package io.mlcycle.cli.replay;

import io.mlcycle.mlcore.monitoring.PrequentialEvaluator;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Date;
import java.util.List;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.time.FixedMillisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;

/**
 * The replay's chart (JFreeChart, PNG): rolling prequential accuracy of the model and the two baselines over event
 * time, with drift alerts (red), retraining runs (grey) and promotions (green) marked where the replay was when they
 * happened.
 */
final class ReplayChart {

    private ReplayChart() {
    }

    static void write(Path file, String title, PrequentialEvaluator.Result result, List<ReplayObserver.Mark> marks,
                      int rollingWindow) throws IOException {
        TimeSeries model = new TimeSeries("model");
        TimeSeries noChange = new TimeSeries("no-change baseline");
        TimeSeries prior = new TimeSeries("class-prior baseline");
        List<PrequentialEvaluator.Point> points = result.rolling();
        // At most ~2000 points per line: a PNG cannot show more, and the file stays small.
        int stride = Math.max(1, points.size() / 2000);
        for (int i = 0; i < points.size(); i += stride) {
            PrequentialEvaluator.Point point = points.get(i);
            FixedMillisecond at = new FixedMillisecond(point.eventTime());
            model.addOrUpdate(at, point.model());
            noChange.addOrUpdate(at, point.noChange());
            prior.addOrUpdate(at, point.classPrior());
        }
        TimeSeriesCollection data = new TimeSeriesCollection();
        data.addSeries(model);
        data.addSeries(noChange);
        data.addSeries(prior);
        JFreeChart chart = ChartFactory.createTimeSeriesChart(title,
                "event time", "accuracy over the last " + rollingWindow + " events", data, true, false, false);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        chart.addSubtitle(new org.jfree.chart.title.TextTitle(
                "vertical lines: green = promotion, grey = training run, red = drift alert"));
        ((org.jfree.chart.axis.NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = (XYLineAndShapeRenderer) plot.getRenderer();
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xff7f0e));
        renderer.setSeriesPaint(2, new Color(0x7f7f7f));
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        for (ReplayObserver.Mark mark : marks) {
            Color colour = switch (mark.kind()) {
                case "drift" -> new Color(0xd62728);
                case "promotion" -> new Color(0x2ca02c);
                default -> new Color(0xbbbbbb);
            };
            ValueMarker marker = new ValueMarker(new Date(mark.eventTime()).getTime(), colour,
                    new BasicStroke(mark.kind().equals("run") ? 0.5f : 1f));
            plot.addDomainMarker(marker);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 1400, 600);
    }
}
