#pragma once
// A secret configuration value (connection string, client secret, webhook
// key). It has no stream operator and no formatter on purpose: the only way
// to read it is reveal(), which makes every use visible in review, and dumps
// print a placeholder instead.
#include <string>
#include <utility>

namespace rolewatch::stream {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}

  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }

 private:
  std::string value_;
};

inline constexpr const char* kRedacted = "<redacted>";

}  // namespace rolewatch::stream
