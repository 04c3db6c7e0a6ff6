#pragma once
// `stdout` and `file`: one alert JSON document per line, exactly as stored
// in the outbox. The file is opened in append mode and flushed (and by
// default fsynced) per alert, so a line that was reported delivered
// survives a crash. After a crash between the write and the delivery mark
// the line can appear twice; its `id` tells the copies apart.
//
//   - type: file
//     path: ./alerts.jsonl
//     fsync: true
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
  JsonLinesSink(std::string name, std::string path, bool to_stdout, bool fsync);
  DeliveryOutcome open_if_needed();

  std::string name_;
  std::string path_;
  bool to_stdout_ = false;
  bool fsync_ = false;
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

}  // namespace rolewatch::stream
