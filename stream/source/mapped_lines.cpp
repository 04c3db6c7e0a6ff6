#include "stream/source/mapped_lines.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <utility>

namespace rolewatch::stream {

// Plain atomics only: the SIGBUS handler reads them, and a signal handler
// may take no lock.
struct MappingSlot {
  std::atomic<bool> used{false};
  std::atomic<std::uintptr_t> begin{0};
  std::atomic<std::uintptr_t> end{0};
  std::atomic<bool> cut_short{false};
};

namespace {

// Files mapped at once; more (a replay of more files than this) are read in
// chunks instead.
constexpr std::size_t kSlots = 64;
std::array<MappingSlot, kSlots> g_slots;
struct sigaction g_previous {};
std::atomic<std::size_t> g_page_size{4096};

std::size_t page_size() {
  return g_page_size.load(std::memory_order_relaxed);
}

std::size_t round_down(std::size_t offset) {
  return offset / page_size() * page_size();
}

std::size_t round_up(std::size_t offset) {
  return round_down(offset + page_size() - 1);
}

// A page of a mapped file that is gone (the file was cut short) becomes a
// page of zeros and the mapping is marked; any other bus error gets the
// handler that was there before, when the access repeats.
void on_bus_error(int, siginfo_t* info, void*) {
  const auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
  for (auto& slot : g_slots) {
    if (address < slot.begin.load() || address >= slot.end.load()) continue;
    void* page = reinterpret_cast<void*>(address / page_size() * page_size());
    if (::mmap(page, page_size(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) !=
        MAP_FAILED) {
      slot.cut_short.store(true);
      return;
    }
  }
  ::sigaction(SIGBUS, &g_previous, nullptr);
}

void install_handler() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_page_size.store(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE)));
    struct sigaction action {};
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &g_previous);
  });
}

MappingSlot* claim_slot(const char* data, std::size_t bytes) {
  for (auto& slot : g_slots) {
    if (slot.used.exchange(true)) continue;
    slot.cut_short.store(false);
    slot.end.store(0);
    slot.begin.store(reinterpret_cast<std::uintptr_t>(data));
    slot.end.store(reinterpret_cast<std::uintptr_t>(data) + bytes);
    return &slot;
  }
  return nullptr;
}

void free_slot(MappingSlot& slot) {
  slot.begin.store(0);
  slot.end.store(0);
  slot.used.store(false);
}

}  // namespace

std::unique_ptr<MappedLines> MappedLines::open(const std::string& path, std::size_t max_line_bytes,
                                               std::size_t range_bytes, bool read_ahead) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat info {};
  const bool mappable = ::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0;
  void* data = mappable ? ::mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ,
                                 MAP_PRIVATE, fd, 0)
                        : MAP_FAILED;
  ::close(fd);  // the mapping keeps the file
  if (data == MAP_FAILED) return nullptr;
  const auto size = static_cast<std::size_t>(info.st_size);
  install_handler();
  auto* slot = claim_slot(static_cast<const char*>(data), round_up(size));
  if (slot == nullptr) {
    ::munmap(data, size);
    return nullptr;
  }
  ::madvise(data, size, MADV_SEQUENTIAL);  // advice only: read-ahead from disk, early reclaim
  return std::unique_ptr<MappedLines>(new MappedLines(static_cast<const char*>(data), size, slot,
                                                      max_line_bytes, range_bytes, read_ahead));
}

MappedLines::MappedLines(const char* data, std::size_t size, MappingSlot* slot,
                         std::size_t max_line_bytes, std::size_t range_bytes, bool read_ahead)
    : data_(data),
      size_(size),
      readable_(round_up(size)),
      slot_(slot),
      max_line_(std::max<std::size_t>(max_line_bytes, 1)),
      range_bytes_(std::max<std::size_t>(range_bytes, 1)) {
  if (read_ahead) {
    reader_ = std::make_unique<JobThread>();
    // Lowering one's own priority needs no privilege; should it fail, the
    // reader merely competes as before.
    reader_->start([] {
      sched_param lowest{};
      ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &lowest);
    });
    reader_->wait();
  }
  start_scan();
}

MappedLines::~MappedLines() {
  if (in_flight_) {  // the reader stops after the step it holds
    auto& range = ranges_[scanning_];
    range.next_step.store(range.steps);
  }
  reader_.reset();  // a scan in flight reads the mapping
  free_slot(*slot_);
  ::munmap(const_cast<char*>(data_), size_);
}

void MappedLines::scan_steps(Range& range) const {
  for (;;) {
    const std::size_t step = range.next_step.fetch_add(1, std::memory_order_relaxed);
    if (step >= range.steps) return;
    const char* at = data_ + range.begin + step * kStepBytes;
    const char* end = data_ + std::min(range.limit, range.begin + (step + 1) * kStepBytes);
    auto& found = range.newlines[step];
    for (; (at = static_cast<const char*>(std::memchr(at, '\n', end - at))); ++at) {
      found.push_back(static_cast<std::size_t>(at - data_));
    }
  }
}

void MappedLines::end_range(Range& range) {
  if (range.limit == size_) {
    range.end = size_;  // the last range: a line without '\n' ends at the file's end
    return;
  }
  for (std::size_t step = range.steps; step-- > 0;) {
    if (!range.newlines[step].empty()) {
      range.end = range.newlines[step].back() + 1;
      return;
    }
  }
  scan_long_line(range, range.begin, range.limit);
}

void MappedLines::scan_long_line(Range& range, std::size_t line_begin, std::size_t at) {
  while (at < size_) {
    const std::size_t limit = std::min(size_, at + range_bytes_);
    const auto* newline = static_cast<const char*>(std::memchr(data_ + at, '\n', limit - at));
    if (newline != nullptr) {
      auto& last = range.newlines[range.steps - 1];
      last.push_back(static_cast<std::size_t>(newline - data_));
      range.end = last.back() + 1;
      return;
    }
    at = limit;
    if (at - line_begin > max_line_) {  // skipped anyway: not kept resident while searched
      const std::size_t from = round_up(line_begin);
      if (round_down(at) > from) {
        ::madvise(const_cast<char*>(data_) + from, round_down(at) - from, MADV_DONTNEED);
      }
    }
  }
  range.end = size_;
}

void MappedLines::start_scan() {
  in_flight_ = true;
  auto& range = ranges_[scanning_];
  range.begin = scanned_to_;
  range.end = scanned_to_;
  range.limit = std::min(size_, scanned_to_ + range_bytes_);
  range.steps = (range.limit - range.begin + kStepBytes - 1) / kStepBytes;
  if (range.newlines.size() < range.steps) range.newlines.resize(range.steps);
  for (std::size_t step = 0; step < range.steps; ++step) range.newlines[step].clear();
  range.next_step.store(0, std::memory_order_relaxed);
  // JobThread::start publishes the range to the reader (its lock).
  if (reader_) reader_->start([this, &range] { scan_steps(range); });
}

bool MappedLines::finish_scan() {
  if (!in_flight_) return false;
  in_flight_ = false;
  auto& range = ranges_[scanning_];
  scan_steps(range);  // the steps the reader has not claimed (all without one)
  if (reader_) reader_->wait();
  end_range(range);
  scanned_to_ = range.end;
  return range.end > range.begin;
}

void MappedLines::emit(std::size_t begin, std::size_t end, std::vector<Line>& lines) const {
  const std::size_t bytes = end - begin;
  if (bytes > max_line_) {
    lines.push_back({{}, bytes, 0});
    return;
  }
  // A line ended by '\n' has the rest of the mapping behind it; the last
  // one, without '\n', has nothing the decoder may read in place.
  const std::size_t padding = end < size_ ? readable_ - end : 0;
  lines.push_back({std::string_view(data_ + begin, bytes), 0, padding});
}

void MappedLines::split(const Range& range, std::vector<Line>& lines) const {
  std::size_t start = range.begin;
  for (std::size_t step = 0; step < range.steps; ++step) {
    for (const std::size_t newline : range.newlines[step]) {
      emit(start, newline, lines);
      start = newline + 1;
    }
  }
  if (start < range.end) emit(start, range.end, lines);
}

void MappedLines::release(std::size_t offset) {
  const std::size_t to = round_down(offset);
  if (to <= released_) return;
  ::madvise(const_cast<char*>(data_) + released_, to - released_, MADV_DONTNEED);
  released_ = to;
}

bool MappedLines::next(std::vector<Line>& lines) {
  lines.clear();
  release(scanned_to_);  // the caller is done with the range handed out last
  for (;;) {
    if (!finish_scan()) return false;
    const std::size_t current = scanning_;
    scanning_ = 1 - scanning_;
    if (scanned_to_ < size_) start_scan();
    split(ranges_[current], lines);
    if (!lines.empty()) return true;
  }
}

Status MappedLines::status() const {
  if (!slot_->cut_short.load()) return ok();
  return make_error("the file was cut short while it was read (it had " + std::to_string(size_) +
                    " bytes when opened); lines from there on are lost");
}

std::size_t MappedLines::resident_limit() const {
  return 3 * (range_bytes_ + page_size());
}

}  // namespace rolewatch::stream
