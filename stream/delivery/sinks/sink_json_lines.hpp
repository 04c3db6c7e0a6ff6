#pragma once
// `stdout` and `file`: one alert JSON document per line, exactly as stored
// in the outbox. A file line is written whole or not at all: appended with
// write(2), then (by default) fsynced; on any error the file is cut back to
// where the line began, so a full disk leaves neither half a line nor, on
// the retry, a second copy. A line reported delivered survives a crash;
// after a crash between the write and the delivery mark it can appear
// twice, and its `id` and `revision` tell the copies apart.
//
//   - type: file
//     path: ./alerts.jsonl
//     fsync: true
//     mode: "0600"      # permissions when the file is created (alerts name admins)
//
// stdout: a closed pipe is an EPIPE delivery error (SIGPIPE is ignored), retried.
#include <sys/types.h>

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>

#include "stream/config/config_node.hpp"
#include "stream/delivery/sink.hpp"

namespace rolewatch::stream {

class JsonLinesSink : public Sink {
 public:
  static std::unique_ptr<Sink> make_stdout(const std::string& name, const ConfigNode& node);
  static std::unique_ptr<Sink> make_file(const std::string& name, const ConfigNode& node);
  ~JsonLinesSink() override;

  const std::string& name() const override { return name_; }
  std::string_view type() const override { return to_stdout_ ? "stdout" : "file"; }
  std::string describe() const override { return to_stdout_ ? "stdout" : path_; }
  DeliveryOutcome deliver(const DeliveryRequest& request) override;

 private:
  JsonLinesSink(std::string name, std::string path, bool to_stdout, bool fsync, mode_t mode);
  DeliveryOutcome open_if_needed();
  DeliveryOutcome deliver_to_stdout(const std::string& line);
  DeliveryOutcome deliver_to_file(const std::string& line);
  void close_file();

  std::string name_;
  std::string path_;
  bool to_stdout_ = false;
  bool fsync_ = false;
  mode_t mode_ = 0600;
  std::mutex mutex_;
  int fd_ = -1;  // the file; stdout goes through std::FILE so it orders with std::cout
};

// "0600" / "600" / "0640" -> the mode; nullopt for anything but 3-4 octal
// digits within 0777.
std::optional<mode_t> parse_file_mode(const std::string& text);

}  // namespace rolewatch::stream
