#include "stream/config/config_node.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "state/base/time.hpp"

namespace rolewatch::stream {
namespace {

std::string strip_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

}  // namespace

std::optional<std::string> read_text_file(const std::filesystem::path& path, std::string& reason) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    reason = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) {
    reason = "read error";
    return std::nullopt;
  }
  return contents.str();
}

ConfigNode::ConfigNode(YAML::Node node, std::string path, const ConfigContext& context)
    : node_(std::move(node)), path_(std::move(path)), context_(&context) {}

std::string ConfigNode::key_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ConfigNode::fail(std::string_view message) const {
  throw ConfigError((path_.empty() ? std::string("config") : path_) + ": " + std::string(message));
}

void ConfigNode::fail(std::string_view key, std::string_view message) const {
  throw ConfigError(key_path(key) + ": " + std::string(message));
}

bool ConfigNode::has(std::string_view key) const {
  return node_.IsMap() && node_[std::string(key)].IsDefined() && !node_[std::string(key)].IsNull();
}

ConfigNode ConfigNode::child(std::string_view key) const {
  YAML::Node value =
      node_.IsMap() ? node_[std::string(key)] : YAML::Node(YAML::NodeType::Undefined);
  return ConfigNode(value, key_path(key), *context_);
}

ConfigNode ConfigNode::element(std::size_t index) const {
  return ConfigNode(node_[index], path_ + "[" + std::to_string(index) + "]", *context_);
}

void ConfigNode::require_map() const {
  if (!node_.IsMap()) fail("expected a mapping (key: value pairs)");
}

void ConfigNode::allow_keys(std::initializer_list<std::string_view> keys) const {
  require_map();
  for (const auto& entry : node_) {
    auto key = entry.first.as<std::string>();
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      fail(key, "unknown key");
    }
  }
}

std::string ConfigNode::scalar() const {
  if (!node_.IsScalar()) fail("expected a string");
  auto expanded = expand_env(node_.Scalar(), context_->env);
  if (!expanded) fail(expanded.error().message);
  return std::move(*expanded);
}

std::string ConfigNode::string(std::string_view key) const {
  if (!has(key)) fail(key, "required key is missing");
  return child(key).scalar();
}

std::optional<std::string> ConfigNode::optional_string(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  return child(key).scalar();
}

std::int64_t ConfigNode::integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                                 std::int64_t max) const {
  if (!has(key)) return fallback;
  auto text = child(key).scalar();
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size()) fail(key, "expected an integer");
  if (value < min || value > max) {
    fail(key, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return value;
}

std::optional<bool> ConfigNode::optional_bool(std::string_view key) const {
  if (!has(key)) return std::nullopt;
  auto text = child(key).scalar();
  if (text == "true" || text == "yes" || text == "on") return true;
  if (text == "false" || text == "no" || text == "off") return false;
  fail(key, "expected true or false");
}

std::vector<std::string> ConfigNode::string_list(std::string_view key) const {
  std::vector<std::string> values;
  if (!has(key)) return values;
  auto list = child(key);
  if (!list.yaml().IsSequence()) list.fail("expected a list");
  for (std::size_t i = 0; i < list.yaml().size(); ++i) values.push_back(list.element(i).scalar());
  return values;
}

std::filesystem::path ConfigNode::resolve_path(const std::string& path) const {
  std::filesystem::path p(path);
  return p.is_absolute() || context_->base_dir.empty() ? p : context_->base_dir / p;
}

std::optional<Secret> ConfigNode::secret(std::string_view key) const {
  auto file_key = std::string(key) + "_file";
  bool inline_value = has(key);
  bool from_file = has(file_key);
  if (inline_value && from_file)
    fail(key, "set either " + std::string(key) + " or " + file_key + ", not both");
  if (inline_value) return Secret(child(key).scalar());
  if (!from_file) return std::nullopt;
  auto path = resolve_path(child(file_key).scalar());
  std::string reason;
  auto contents = read_text_file(path, reason);
  if (!contents) fail(file_key, "cannot read " + path.string() + ": " + reason);
  return Secret(strip_trailing_newlines(std::move(*contents)));
}

std::chrono::milliseconds read_duration(const ConfigNode& node, std::string_view key,
                                        std::chrono::milliseconds fallback) {
  if (!node.has(key)) return fallback;
  auto duration = state::parse_duration(node.string(key));
  if (!duration) node.fail(key, "expected a duration such as 500ms, 15s, 5m, 1h or PT1H");
  return *duration;
}

}  // namespace rolewatch::stream
