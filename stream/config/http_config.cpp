#include "stream/config/http_config.hpp"

#include <charconv>

#include "state/net/url_check.hpp"

namespace rolewatch::stream {
namespace {

std::string strip_trailing_newlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

std::string read_listen(const ConfigNode& node, std::string_view key) {
  auto listen = node.string(key);
  if (!parse_listen_address(listen)) node.fail(key, "expected host:port, e.g. 127.0.0.1:9464");
  return listen;
}

// The token is read once, at start; an empty or unreadable file is a
// configuration error, and no message ever holds its contents.
void read_token(const ConfigNode& node, ReportsConfig& reports) {
  if (!node.has("token_file")) return;
  reports.token_file = node.resolve_path(node.string("token_file")).string();
  std::string reason;
  auto contents = read_text_file(reports.token_file, reason);
  if (!contents) node.fail("token_file", "cannot read " + reports.token_file + ": " + reason);
  auto token = strip_trailing_newlines(std::move(*contents));
  if (token.empty()) node.fail("token_file", reports.token_file + " is empty");
  if (token.size() < kMinReportTokenBytes) {
    node.fail("token_file", reports.token_file + " holds a token shorter than " +
                                std::to_string(kMinReportTokenBytes) + " characters");
  }
  if (token.find_first_of(" \t\r\n") != std::string::npos) {
    node.fail("token_file", reports.token_file + " holds whitespace inside the token");
  }
  reports.token = Secret(std::move(token));
}

ReportsConfig read_reports(const ConfigNode& http) {
  ReportsConfig reports;
  if (!http.has("reports")) return reports;
  auto node = http.child("reports");
  node.require_map();
  node.allow_keys({"enabled", "token_file", "listen"});
  reports.enabled = node.optional_bool("enabled").value_or(true);
  if (!reports.enabled) return reports;
  read_token(node, reports);
  if (node.has("listen")) reports.listen = read_listen(node, "listen");
  if (reports.listen.empty() && !reports.token) {
    node.fail("token_file",
              "required to serve reports on http.listen (or give reports a loopback listen)");
  }
  if (!reports.listen.empty() && !reports.token &&
      !state::is_loopback_host(parse_listen_address(reports.listen)->first)) {
    node.fail("listen", "not a loopback address: set token_file to serve reports beyond this host");
  }
  return reports;
}

}  // namespace

Expected<std::pair<std::string, int>> parse_listen_address(const std::string& listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return make_error("expected host:port, got \"" + listen + "\"", ErrorCode::invalid_argument);
  }
  auto host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  int port = -1;
  auto text = std::string_view(listen).substr(colon + 1);
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 0 ||
      port > 65535) {
    return make_error("invalid port in \"" + listen + "\"", ErrorCode::invalid_argument);
  }
  return std::make_pair(host, port);
}

HttpConfig read_http(const ConfigNode& root) {
  HttpConfig http;
  if (!root.has("http")) return http;
  auto node = root.child("http");
  node.require_map();
  node.allow_keys({"listen", "reports"});
  http.listen = read_listen(node, "listen");
  http.reports = read_reports(node);
  return http;
}

}  // namespace rolewatch::stream
