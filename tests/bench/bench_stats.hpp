#pragma once
// Small helpers the live benchmarks share: percentiles, the wall clock as an
// activityDateTime, and the resident-set high-water mark of a child process.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace bench {

using Clock = std::chrono::steady_clock;

double ms_between(Clock::time_point from, Clock::time_point to);

// p in [0, 100], nearest rank; 0 for an empty list.
double percentile(std::vector<double> values, double p);

// Now (or `seconds` from now) as the export writes activityDateTime,
// "2025-03-04T10:16:02.1234560+00:00".
std::string event_time_now(double seconds_from_now = 0);

// The pid of a running process whose command line contains `needle` (the
// child's unique config path), or -1.
pid_t find_process(const std::string& needle);

// VmHWM of /proc/PID/status in MB (peak resident set); -1 if unreadable.
double peak_rss_mb(pid_t pid);

// Bytes under a directory, as du counts file sizes.
std::uint64_t directory_bytes(const std::filesystem::path& dir);

}  // namespace bench
