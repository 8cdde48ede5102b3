package com.cloudshop.analytics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Reads what a reader of the data lake sees: the lines of committed part files, never in-progress ones. */
final class LakeFiles {

    private LakeFiles() {}

    /** Lines of every committed part file under {@code directory}, partitions included. */
    static List<String> linesUnder(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(directory)) {
            // In-progress and pending files are hidden (".orders-....jsonl.inprogress.<id>") until committed.
            return files.filter(file -> file.getFileName().toString().startsWith("orders-"))
                    .filter(file -> file.getFileName().toString().endsWith(".jsonl"))
                    .sorted()
                    .flatMap(file -> {
                        try {
                            return Files.readAllLines(file).stream();
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .toList();
        }
    }
}
