package dev.distill.deploy.bench.pipeline;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * CPU time and resident memory of another process, read from {@code /proc/<pid>} (Linux). Reading the kernel's
 * counters costs the measured process nothing, unlike asking it over HTTP.
 */
final class ProcessUsage {

    /** Kernel clock ticks per second ({@code getconf CLK_TCK}); 100 on every Linux this runs on. */
    private static final long TICKS_PER_SECOND = 100;

    private ProcessUsage() {}

    /** utime + stime of {@code pid} in milliseconds, or -1 when it cannot be read (process gone, not Linux). */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            // the command name (field 2) may hold spaces and parentheses: count fields after its closing ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // fields 14 and 15 of stat
            return ticks * 1000 / TICKS_PER_SECOND;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Resident set size of {@code pid} in MiB ({@code VmRSS}), or -1 when it cannot be read. */
    static double rssMb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"),
                    StandardCharsets.US_ASCII)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring("VmRSS:".length()).trim().split("\\s+")[0]) / 1024.0;
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
