#include "stream/delivery/sinks/sink_json_lines.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rolewatch::stream {
namespace {

// The whole buffer, across short writes and signals; false with errno set.
bool write_all(int fd, const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    auto wrote = ::write(fd, data.data() + done, data.size() - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) {
      if (wrote == 0) errno = ENOSPC;
      return false;
    }
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

}  // namespace

std::optional<mode_t> parse_file_mode(const std::string& text) {
  if (text.size() < 3 || text.size() > 4) return std::nullopt;
  mode_t mode = 0;
  for (char c : text) {
    if (c < '0' || c > '7') return std::nullopt;
    mode = mode * 8 + static_cast<mode_t>(c - '0');
  }
  if (mode > 0777) return std::nullopt;
  return mode;
}

std::unique_ptr<Sink> JsonLinesSink::make_stdout(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "activations", "updates"});
  return std::unique_ptr<Sink>(new JsonLinesSink(name, "", true, false, 0));
}

std::unique_ptr<Sink> JsonLinesSink::make_file(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "path", "fsync", "mode", "activations", "updates"});
  auto path = node.resolve_path(node.string("path")).string();
  auto fsync = node.optional_bool("fsync").value_or(true);
  auto mode = parse_file_mode(node.optional_string("mode").value_or("0600"));
  if (!mode) node.fail("mode", "expected octal permissions such as \"0600\" or \"0640\"");
  return std::unique_ptr<Sink>(new JsonLinesSink(name, std::move(path), false, fsync, *mode));
}

JsonLinesSink::JsonLinesSink(std::string name, std::string path, bool to_stdout, bool fsync,
                             mode_t mode)
    : name_(std::move(name)),
      path_(std::move(path)),
      to_stdout_(to_stdout),
      fsync_(fsync),
      mode_(mode) {}

JsonLinesSink::~JsonLinesSink() {
  close_file();
}

void JsonLinesSink::close_file() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

// Opened lazily and reopened after an error, so that a directory created or
// a disk freed later lets the retries succeed.
DeliveryOutcome JsonLinesSink::open_if_needed() {
  if (fd_ >= 0) return DeliveryOutcome::ok();
  fd_ = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, mode_);
  if (fd_ < 0) return DeliveryOutcome::again("cannot open " + path_ + ": " + std::strerror(errno));
  return DeliveryOutcome::ok();
}

DeliveryOutcome JsonLinesSink::deliver(const DeliveryRequest& request) {
  std::lock_guard lock(mutex_);
  std::string line(request.body);
  line.push_back('\n');
  return to_stdout_ ? deliver_to_stdout(line) : deliver_to_file(line);
}

DeliveryOutcome JsonLinesSink::deliver_to_stdout(const std::string& line) {
  if (std::fwrite(line.data(), 1, line.size(), stdout) == line.size() && std::fflush(stdout) == 0)
    return DeliveryOutcome::ok();
  auto detail = std::string("cannot write stdout: ") + std::strerror(errno);
  std::clearerr(stdout);
  return DeliveryOutcome::again(std::move(detail));
}

DeliveryOutcome JsonLinesSink::deliver_to_file(const std::string& line) {
  if (auto opened = open_if_needed(); opened.kind != DeliveryOutcome::Kind::delivered)
    return opened;
  const off_t start = ::lseek(fd_, 0, SEEK_END);
  bool ok = start >= 0 && write_all(fd_, line);
  if (ok && fsync_) ok = ::fsync(fd_) == 0;
  if (ok) return DeliveryOutcome::ok();
  auto detail = "cannot write " + path_ + ": " + std::strerror(errno);
  // Nothing of the line stays: the retry writes it whole, once.
  if (start >= 0 && ::ftruncate(fd_, start) != 0) {
    detail += std::string("; cannot cut the partial line: ") + std::strerror(errno);
  }
  close_file();
  return DeliveryOutcome::again(std::move(detail));
}

}  // namespace rolewatch::stream
