#include "support/hostile_text.hpp"

namespace support {

std::string splice(std::string body, std::string_view raw, std::string_view placeholder) {
  for (auto at = body.find(placeholder); at != std::string::npos;
       at = body.find(placeholder, at + raw.size())) {
    body.replace(at, placeholder.size(), raw);
  }
  return body;
}

const std::vector<HostileText>& hostile_texts() {
  using namespace std::string_view_literals;
  static const std::vector<HostileText> texts{
      {"a lone high surrogate", R"(\ud800)", kFffd, false},
      {"a lone low surrogate", R"(\udc00)", kFffd, false},
      {"a reversed surrogate pair", R"(\udc00\ud800)", "\xEF\xBF\xBD\xEF\xBF\xBD", false},
      {"an escaped NUL", R"(\u0000)", kFffd, false},
      {"an unknown escape", R"(\q)", "\xEF\xBF\xBDq", false},
      {"an invalid UTF-8 byte", "\xFF", kFffd, true},
      {"an overlong encoding of '/'", "\xC0\xAF", "\xEF\xBF\xBD\xEF\xBF\xBD", true},
      {"a UTF-8 sequence cut short", "\xE2\x82", kFffd, true},
      {"a raw NUL byte", "\0"sv, kFffd, true},
  };
  return texts;
}

LogCapture::LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)) {
  previous_ = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink_));
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

}  // namespace support
