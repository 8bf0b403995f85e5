package io.mlcycle.cli.ingest;

import java.io.Closeable;
import java.util.List;

/**
 * The rows of one file, in file order. {@link #next()} never throws on bad content: a row that cannot be read comes
 * back with its problems, and a file that ends early (truncated gzip, I/O error) yields one last unreadable row
 * saying so, after which the source is exhausted.
 */
interface RowSource extends Closeable {

    /** The columns (CSV header, Avro field names), or empty when rows carry their own names (JSON Lines). */
    List<String> columns();

    /** The next row, or null at the end. */
    SourceRow next();

    /** Bytes of the file consumed so far (compressed bytes for gzip), for progress. */
    long bytesRead();
}
