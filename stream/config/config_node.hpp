#pragma once
// Typed, path-aware reading of the YAML configuration. Every error names the
// key path (`source.batch.max_messages: expected an integer`) and never the
// value; scalars are ${ENV}-expanded when read, so an expanded value can never
// change the document's structure. Errors are thrown as ConfigError inside
// the loader and turned into an Error at its boundary (load_config).
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "stream/config/env_expansion.hpp"
#include "stream/config/secret.hpp"

namespace rolewatch::stream {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct ConfigContext {
  EnvLookup env = process_env;
  std::filesystem::path base_dir;  // relative paths are resolved against it
};

class ConfigNode {
 public:
  ConfigNode(YAML::Node node, std::string path, const ConfigContext& context);

  const std::string& path() const { return path_; }
  const YAML::Node& yaml() const { return node_; }
  const ConfigContext& context() const { return *context_; }
  bool has(std::string_view key) const;
  ConfigNode child(std::string_view key) const;  // may be undefined
  ConfigNode element(std::size_t index) const;   // of a sequence

  void require_map() const;
  // Refuses keys that are not listed, naming the first unknown one.
  void allow_keys(std::initializer_list<std::string_view> keys) const;

  // This node as an expanded scalar.
  std::string scalar() const;
  std::string string(std::string_view key) const;  // required
  std::optional<std::string> optional_string(std::string_view key) const;
  std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t min,
                       std::int64_t max) const;
  std::optional<bool> optional_bool(std::string_view key) const;
  std::vector<std::string> string_list(std::string_view key) const;
  // `key`, or the contents of the file `key_file` names (trailing newlines
  // dropped); setting both is an error.
  std::optional<Secret> secret(std::string_view key) const;
  std::filesystem::path resolve_path(const std::string& path) const;

  std::string key_path(std::string_view key) const;
  [[noreturn]] void fail(std::string_view message) const;
  [[noreturn]] void fail(std::string_view key, std::string_view message) const;

 private:
  YAML::Node node_;
  std::string path_;
  const ConfigContext* context_;
};

// Reads a whole (small) file; errors name the path and the system's reason.
std::optional<std::string> read_text_file(const std::filesystem::path& path, std::string& reason);

// "500ms", "15s", "2m", "1h", "PT1H" or a bare number of seconds
// (state::parse_duration); `fallback` when the key is absent.
std::chrono::milliseconds read_duration(const ConfigNode& node, std::string_view key,
                                        std::chrono::milliseconds fallback);

}  // namespace rolewatch::stream
