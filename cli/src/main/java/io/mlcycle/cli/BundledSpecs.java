package io.mlcycle.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** The pipeline specs that ship with the CLI (the demo's {@code credit} pipeline). */
final class BundledSpecs {

    static final String CREDIT = "credit";

    private BundledSpecs() {
    }

    /** Writes the bundled spec to {@code directory/<name>.yaml} (the services read specs from files) and returns it. */
    static Path extract(String name, Path directory) throws IOException {
        String resource = "/specs/" + name + ".yaml";
        try (InputStream in = BundledSpecs.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("No bundled spec named " + name);
            }
            Files.createDirectories(directory);
            Path target = directory.resolve(name + ".yaml");
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        }
    }
}
