package io.mlcycle.cli.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lines without quotes take a shortcut; it must read exactly what the general path reads, errors included. */
class CsvRowSourceTest {

    @TempDir
    Path dir;

    @Test
    void linesWithoutQuotesGiveTheSameRowsAndErrorsAsQuotedOnes() throws Exception {
        List<SourceRow> plain = read("a,b,c\n1,2,3\n,,\n1,2,3,4\n1,2\n 1 , x,\n");
        List<SourceRow> quoted = read("a,b,c\n\"1\",2,3\n\"\",,\n\"1\",2,3,4\n\"1\",2\n\" 1 \", x,\n");
        assertThat(plain).hasSize(5).hasSameSizeAs(quoted);
        for (int i = 0; i < plain.size(); i++) {
            SourceRow p = plain.get(i);
            SourceRow q = quoted.get(i);
            assertThat(p.textValues()).as("row %d", i + 1).isEqualTo(q.textValues());
            assertThat(p.problems()).as("row %d", i + 1).isEqualTo(q.problems());
        }
        assertThat(plain.get(0).textValues()).containsExactly("1", "2", "3");
        assertThat(plain.get(1).textValues()).containsExactly("", "", "");
        assertThat(plain.get(2).problems()).singleElement()
                .satisfies(v -> assertThat(v.detail()).isEqualTo("row 3: line 4 has 4 columns but the header has 3"));
        assertThat(plain.get(3).problems()).singleElement()
                .satisfies(v -> assertThat(v.detail()).isEqualTo("row 4: line 5 has 2 columns but the header has 3"));
        assertThat(plain.get(4).textValues()).containsExactly(" 1 ", " x", "");
        assertThat(plain.get(2).original()).isEqualTo("1,2,3,4");
    }

    private List<SourceRow> read(String text) throws Exception {
        Path file = Files.writeString(dir.resolve("f" + text.hashCode() + ".csv"), text);
        List<SourceRow> rows = new ArrayList<>();
        try (RowSource source = RowSources.open(file, RowSources.Format.AUTO,
                new RowSources.TextOptions(',', '"', StandardCharsets.UTF_8))) {
            SourceRow row;
            while ((row = source.next()) != null) {
                rows.add(row);
            }
        }
        return rows;
    }
}
