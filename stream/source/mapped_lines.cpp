#include "stream/source/mapped_lines.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <thread>
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

struct Mapping {
  Mapping(const char* bytes, std::size_t length, MappingSlot* its_slot)
      : data(bytes), size(length), slot(its_slot) {}
  ~Mapping();
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  const char* data;
  std::size_t size;
  MappingSlot* slot;
};

// The steps of one range. The reader claims them in order from `next_step`
// and writes only `by_reader` and `reader_done`; the caller, once it needs
// the range, stops the claims and scans into `by_caller` every step the
// reader has not finished, so it never waits for the reader.
struct ScanJob {
  std::shared_ptr<const Mapping> mapping;  // kept mapped while the reader scans
  std::size_t begin = 0;
  std::size_t limit = 0;
  std::size_t steps = 0;
  std::atomic<std::size_t> next_step{0};
  std::atomic<bool> closed{false};  // the caller is done: the reader stops
  std::unique_ptr<std::atomic<bool>[]> reader_done;
  std::vector<std::vector<std::size_t>> by_reader;
  std::vector<std::vector<std::size_t>> by_caller;
};

namespace {

constexpr std::size_t kStepBytes = 64u << 10;

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

// Where the '\n's of `step` are.
void scan_step(const ScanJob& job, std::size_t step, std::vector<std::size_t>& found) {
  const char* data = job.mapping->data;
  const char* at = data + job.begin + step * kStepBytes;
  const char* end = data + std::min(job.limit, job.begin + (step + 1) * kStepBytes);
  for (; (at = static_cast<const char*>(std::memchr(at, '\n', end - at))); ++at) {
    found.push_back(static_cast<std::size_t>(at - data));
  }
}

std::atomic<bool> g_hold_reader{false};

// The one reader thread, at SCHED_IDLE, for every mapped file of the
// process. It takes the newest job posted (an older one is its caller's to
// finish) and scans steps of it until none is left or the caller is done.
// Never stopped: nobody waits for it, and whatever it still holds (a job,
// the job's mapping) goes when it next runs.
class IdleScanner {
 public:
  static IdleScanner& get() {
    static auto* scanner = new IdleScanner();  // never destroyed: its thread is detached
    return *scanner;
  }

  void post(std::shared_ptr<ScanJob> job) {
    {
      std::lock_guard lock(mutex_);
      posted_ = std::move(job);
    }
    changed_.notify_one();
  }

 private:
  IdleScanner() {
    std::thread([this] { loop(); }).detach();
  }

  void loop() {
    // Lowering one's own priority needs no privilege; should it fail, the
    // reader merely competes with the decoders as before.
    sched_param lowest{};
    ::pthread_setschedparam(::pthread_self(), SCHED_IDLE, &lowest);
    for (;;) {
      std::shared_ptr<ScanJob> job;
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return posted_ != nullptr; });
        job = std::move(posted_);
      }
      scan(*job);
    }
  }

  static void scan(ScanJob& job) {
    while (!job.closed.load(std::memory_order_acquire)) {
      const std::size_t step = job.next_step.fetch_add(1, std::memory_order_relaxed);
      if (step >= job.steps) return;
      while (g_hold_reader.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      scan_step(job, step, job.by_reader[step]);
      job.reader_done[step].store(true, std::memory_order_release);
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::shared_ptr<ScanJob> posted_;
};

}  // namespace

Mapping::~Mapping() {
  free_slot(*slot);
  ::munmap(const_cast<char*>(data), size);
}

void MappedLines::hold_reader_for_tests(bool hold) {
  g_hold_reader.store(hold);
}

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
  auto mapping = std::make_shared<const Mapping>(static_cast<const char*>(data), size, slot);
  return std::unique_ptr<MappedLines>(
      new MappedLines(std::move(mapping), max_line_bytes, range_bytes, read_ahead));
}

MappedLines::MappedLines(std::shared_ptr<const Mapping> mapping, std::size_t max_line_bytes,
                         std::size_t range_bytes, bool read_ahead)
    : mapping_(std::move(mapping)),
      data_(mapping_->data),
      size_(mapping_->size),
      readable_(round_up(size_)),
      slot_(mapping_->slot),
      max_line_(std::max<std::size_t>(max_line_bytes, 1)),
      range_bytes_(std::max<std::size_t>(range_bytes, 1)),
      read_ahead_(read_ahead) {
  start_scan();
}

MappedLines::~MappedLines() {
  // The reader stops at its next step; the mapping goes with the last holder.
  if (in_flight_) ranges_[scanning_].job->closed.store(true, std::memory_order_release);
}

void MappedLines::end_range(Range& range) {
  if (range.limit == size_) {
    range.end = size_;  // the last range: a line without '\n' ends at the file's end
  } else if (!range.newlines.empty()) {
    range.end = range.newlines.back() + 1;
  } else {
    scan_long_line(range, range.begin, range.limit);
  }
}

void MappedLines::scan_long_line(Range& range, std::size_t line_begin, std::size_t at) {
  while (at < size_) {
    const std::size_t limit = std::min(size_, at + range_bytes_);
    const auto* newline = static_cast<const char*>(std::memchr(data_ + at, '\n', limit - at));
    if (newline != nullptr) {
      range.newlines.push_back(static_cast<std::size_t>(newline - data_));
      range.end = range.newlines.back() + 1;
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
  auto job = std::make_shared<ScanJob>();
  job->mapping = mapping_;
  job->begin = range.begin;
  job->limit = range.limit;
  job->steps = (range.limit - range.begin + kStepBytes - 1) / kStepBytes;
  job->reader_done = std::make_unique<std::atomic<bool>[]>(job->steps);
  job->by_reader.resize(job->steps);
  job->by_caller.resize(job->steps);
  range.job = job;
  if (read_ahead_) IdleScanner::get().post(std::move(job));
}

bool MappedLines::finish_scan() {
  if (!in_flight_) return false;
  in_flight_ = false;
  auto& range = ranges_[scanning_];
  auto& job = *range.job;
  job.next_step.store(job.steps, std::memory_order_relaxed);  // the reader claims no more
  range.newlines.clear();
  for (std::size_t step = 0; step < job.steps; ++step) {
    // A step the reader has not finished (never claimed, or in its hands)
    // is scanned here rather than waited for.
    const bool done = job.reader_done[step].load(std::memory_order_acquire);
    if (!done) scan_step(job, step, job.by_caller[step]);
    const auto& found = done ? job.by_reader[step] : job.by_caller[step];
    range.newlines.insert(range.newlines.end(), found.begin(), found.end());
  }
  job.closed.store(true, std::memory_order_release);
  range.job.reset();
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
  for (const std::size_t newline : range.newlines) {
    emit(start, newline, lines);
    start = newline + 1;
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
