package io.mlcycle.cli.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void rendersBarPercentCountAndRate() {
        AtomicLong clock = new AtomicLong(0);
        ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "records", 1000, false, clock::get);
        bar.advance(450);
        assertThat(bar.render(1_000_000_000L))
                .isEqualTo("[##############................]  45%  450/1,000 records  450/s");
    }

    @Test
    void withoutATerminalItPrintsALineEveryTenthAndNoCarriageReturns() {
        StringWriter err = new StringWriter();
        AtomicLong clock = new AtomicLong(0);
        try (ProgressBar bar = new ProgressBar(new PrintWriter(err), "rows", 100, false, clock::get)) {
            for (int i = 0; i < 100; i++) {
                clock.addAndGet(10_000_000L);
                bar.step();
            }
        }
        String text = err.toString();
        assertThat(text).doesNotContain("\r");
        assertThat(text.lines()).hasSize(11).last().asString().contains("100%", "100/100 rows");
    }

    @Test
    void onATerminalItRedrawsInPlace() {
        StringWriter err = new StringWriter();
        AtomicLong clock = new AtomicLong(0);
        try (ProgressBar bar = new ProgressBar(new PrintWriter(err), "rows", 0, true, clock::get)) {
            clock.addAndGet(1_000_000_000L);
            bar.advance(2000);
        }
        assertThat(err.toString()).startsWith("\r2,000 rows  2.0k/s").endsWith(System.lineSeparator());
    }
}
