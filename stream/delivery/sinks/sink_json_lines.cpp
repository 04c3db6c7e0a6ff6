#include "stream/delivery/sinks/sink_json_lines.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace rolewatch::stream {

std::unique_ptr<Sink> JsonLinesSink::make_stdout(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "activations", "updates"});
  return std::unique_ptr<Sink>(new JsonLinesSink(name, "", true, false));
}

std::unique_ptr<Sink> JsonLinesSink::make_file(const std::string& name, const ConfigNode& node) {
  node.allow_keys({"type", "name", "path", "fsync", "activations", "updates"});
  auto path = node.resolve_path(node.string("path")).string();
  auto fsync = node.optional_bool("fsync").value_or(true);
  return std::unique_ptr<Sink>(new JsonLinesSink(name, std::move(path), false, fsync));
}

JsonLinesSink::JsonLinesSink(std::string name, std::string path, bool to_stdout, bool fsync)
    : name_(std::move(name)), path_(std::move(path)), to_stdout_(to_stdout), fsync_(fsync) {
  if (to_stdout_) file_ = stdout;
}

JsonLinesSink::~JsonLinesSink() {
  if (file_ != nullptr && !to_stdout_) std::fclose(file_);
}

// Opened lazily and reopened after an error, so that a directory created or
// a disk freed later lets the retries succeed.
DeliveryOutcome JsonLinesSink::open_if_needed() {
  if (file_ != nullptr) return DeliveryOutcome::ok();
  file_ = std::fopen(path_.c_str(), "ae");
  if (file_ == nullptr)
    return DeliveryOutcome::again("cannot open " + path_ + ": " + std::strerror(errno));
  return DeliveryOutcome::ok();
}

DeliveryOutcome JsonLinesSink::deliver(const DeliveryRequest& request) {
  std::lock_guard lock(mutex_);
  if (auto opened = open_if_needed(); opened.kind != DeliveryOutcome::Kind::delivered)
    return opened;
  std::string line(request.body);
  line.push_back('\n');
  bool ok =
      std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0;
  if (ok && fsync_) ok = ::fsync(fileno(file_)) == 0;
  if (ok) return DeliveryOutcome::ok();
  auto detail = std::string("cannot write ") + describe() + ": " + std::strerror(errno);
  if (!to_stdout_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  return DeliveryOutcome::again(std::move(detail));
}

}  // namespace rolewatch::stream
