package io.mlcycle.cli.ingest;

import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/** Opens a file as rows: detects gzip and Avro by their magic bytes, and CSV or JSON Lines by name or content. */
final class RowSources {

    /** File formats. */
    enum Format { AUTO, CSV, JSONL, AVRO }

    /** How to read text files. */
    record TextOptions(char delimiter, char quote, Charset encoding) {
    }

    private RowSources() {
    }

    static RowSource open(Path file, Format format, TextOptions text) throws IOException {
        CountingInputStream counting = new CountingInputStream(Files.newInputStream(file));
        try {
            InputStream in = new BufferedInputStream(counting, 1 << 16);
            boolean gzip = startsWith(in, new byte[] {0x1f, (byte) 0x8b});
            if (gzip) {
                in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
            }
            boolean avro = startsWith(in, new byte[] {'O', 'b', 'j', 1});
            Format effective = format;
            if (effective == Format.AUTO) {
                effective = avro ? Format.AVRO : byName(file, in);
            }
            return switch (effective) {
                case AVRO -> new AvroRowSource(in, counting::count);
                case JSONL -> new JsonLinesRowSource(reader(in, text.encoding()), counting::count);
                case CSV, AUTO -> new CsvRowSource(reader(in, text.encoding()), counting::count, text.delimiter(),
                        text.quote());
            };
        } catch (IOException | RuntimeException e) {
            counting.close();
            throw e;
        }
    }

    private static BufferedReader reader(InputStream in, Charset encoding) {
        return new BufferedReader(new InputStreamReader(in, encoding), 1 << 16);
    }

    private static Format byName(Path file, InputStream in) throws IOException {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".gz")) {
            name = name.substring(0, name.length() - 3);
        }
        if (name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json")) {
            return Format.JSONL;
        }
        if (name.endsWith(".avro")) {
            return Format.AVRO;
        }
        if (name.endsWith(".csv") || name.endsWith(".tsv") || name.endsWith(".txt")) {
            return Format.CSV;
        }
        in.mark(1);
        int first = in.read();
        in.reset();
        return first == '{' ? Format.JSONL : Format.CSV;
    }

    private static boolean startsWith(InputStream in, byte[] magic) throws IOException {
        in.mark(magic.length);
        try {
            for (byte b : magic) {
                if (in.read() != (b & 0xff)) {
                    return false;
                }
            }
            return true;
        } catch (java.io.EOFException e) {
            return false;
        } finally {
            in.reset();
        }
    }
}
