#include "stream/app/log_format.hpp"

#include <spdlog/pattern_formatter.h>

#include "state/base/log_escape.hpp"

namespace rolewatch::stream {
namespace {

// %~ : the message text with control characters as visible escapes.
constexpr char kEscapedMessageFlag = '~';

class EscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    escaped_.clear();
    state::append_log_escaped(std::string_view(message.payload.data(), message.payload.size()),
                              escaped_);
    out.append(escaped_.data(), escaped_.data() + escaped_.size());
  }

  std::unique_ptr<spdlog::custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>();
  }

 private:
  std::string escaped_;  // reused; a formatter is used by one sink under its lock
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<EscapedMessage>(kEscapedMessageFlag);
  formatter->set_pattern(std::string("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %") + kEscapedMessageFlag);
  return formatter;
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name, spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_formatter(make_log_formatter());
  return logger;
}

}  // namespace rolewatch::stream
