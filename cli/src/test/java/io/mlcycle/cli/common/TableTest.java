package io.mlcycle.cli.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsAreAsWideAsTheirWidestCellAndNumbersAlignRight() {
        Table table = Table.of("SERVICE", "STATE").right("LAG")
                .row("validation", "UP", 0)
                .row("serving-feedback", "DOWN", 12345)
                .row("x", null, 7);
        assertThat(table.lines()).containsExactly(
                "SERVICE           STATE    LAG",
                "validation        UP         0",
                "serving-feedback  DOWN   12345",
                "x                 -          7");
    }

    @Test
    void aCellWithANewlineStaysOnOneLine() {
        assertThat(Table.of("A", "B").row("one\ntwo", "x").lines()).containsExactly("A        B", "one two  x");
    }

    @Test
    void doublesPrintWithFourDecimalsAndNaNAsDash() {
        assertThat(Table.of("AUC").row(0.81234567).row(Double.NaN).lines()).containsExactly("AUC", "0.8123", "-");
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsRejected() {
        assertThatThrownBy(() -> Table.of("A", "B").row("only one"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 cells").hasMessageContaining("2 columns");
    }
}
