package com.cloudshop.analytics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds the newest retained checkpoint ({@code <dir>/<job id>/chk-<n>/_metadata}) in a local
 * checkpoint directory, so a local run can resume where the previous one stopped. On Dataproc the
 * restart uses an explicit savepoint path instead (docs/analytics.md).
 */
public final class RetainedCheckpoints {

    private RetainedCheckpoints() {}

    public static Optional<String> latest(String checkpointsDirectory) {
        Path root = localPath(checkpointsDirectory);
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> jobs = Files.list(root)) {
            return jobs.filter(Files::isDirectory)
                    .flatMap(RetainedCheckpoints::completedCheckpoints)
                    .max(Comparator.comparing(RetainedCheckpoints::lastModified))
                    .map(checkpoint -> checkpoint.toUri().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path localPath(String directory) {
        if (directory.startsWith("file:")) {
            return Paths.get(URI.create(directory));
        }
        if (directory.contains("://")) {
            throw new IllegalArgumentException(
                    "--restore latest works on a local checkpoint directory; pass a savepoint path for " + directory);
        }
        return Paths.get(directory);
    }

    private static Stream<Path> completedCheckpoints(Path jobDirectory) {
        try (Stream<Path> children = Files.list(jobDirectory)) {
            return children.filter(child -> child.getFileName().toString().startsWith("chk-"))
                    .filter(child -> Files.exists(child.resolve("_metadata")))
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long lastModified(Path checkpoint) {
        try {
            return Files.getLastModifiedTime(checkpoint.resolve("_metadata")).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
