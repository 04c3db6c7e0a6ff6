#include "stream/ops/http_wire.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "state/base/ascii.hpp"

namespace rolewatch::stream {
namespace {

// Method, two spaces and "HTTP/1.1" around the target.
constexpr std::size_t kRequestLineSlack = 32;

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded (an invalid escape is kept as it is); in a query '+' is a space.
std::string decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(plus_is_space && text[i] == '+' ? ' ' : text[i]);
    }
  }
  return out;
}

std::multimap<std::string, std::string> parse_query(std::string_view text) {
  std::multimap<std::string, std::string> query;
  while (!text.empty()) {
    auto amp = text.find('&');
    auto pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    auto value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    query.emplace(decode(key, true), decode(value, true));
  }
  return query;
}

ParsedHead failed(int status, std::string error) {
  ParsedHead head;
  head.status = status;
  head.error = std::move(error);
  return head;
}

bool parse_request_line(std::string_view line, const HttpLimits& limits, ParsedHead& head) {
  auto first = line.find(' ');
  auto second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    head = failed(400, "malformed request line");
    return false;
  }
  auto method = line.substr(0, first);
  auto target = line.substr(first + 1, second - first - 1);
  auto version = line.substr(second + 1);
  bool method_ok =
      !method.empty() && method.size() <= 16 &&
      std::all_of(method.begin(), method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  if (!method_ok || (version != "HTTP/1.1" && version != "HTTP/1.0") || !target.starts_with('/')) {
    head = failed(400, "malformed request line");
    return false;
  }
  if (target.size() > limits.max_target_bytes) {
    head = failed(414, "request target too long");
    return false;
  }
  auto question = target.find('?');
  head.method = std::string(method);
  head.path = decode(target.substr(0, question), false);
  if (question != std::string_view::npos) head.query = parse_query(target.substr(question + 1));
  return true;
}

bool parse_header_line(std::string_view line, ParsedHead& head) {
  auto colon = line.find(':');
  auto name = line.substr(0, colon);
  if (colon == std::string_view::npos || name.empty() ||
      !std::all_of(name.begin(), name.end(), is_token_char)) {
    head = failed(400, "malformed header line");
    return false;
  }
  head.headers.emplace(lower_case(name),
                       std::string(state::trim_ascii_space(line.substr(colon + 1))));
  return true;
}

// Content-Length only: a body in chunks is refused (411), and two different
// lengths are an attempt at request smuggling (400).
bool read_content_length(const HttpLimits& limits, ParsedHead& head) {
  if (head.headers.contains("transfer-encoding")) {
    head = failed(411, "send a Content-Length, not Transfer-Encoding");
    return false;
  }
  auto [begin, end] = head.headers.equal_range("content-length");
  std::optional<std::size_t> length;
  for (auto it = begin; it != end; ++it) {
    const auto& text = it->second;
    std::size_t value = 0;
    auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || stop != text.data() + text.size() ||
        (length && *length != value)) {
      head = failed(400, "invalid Content-Length");
      return false;
    }
    length = value;
  }
  if (length && *length > limits.max_body_bytes) {
    head =
        failed(413, "request body larger than " + std::to_string(limits.max_body_bytes) + " bytes");
    return false;
  }
  head.content_length = length.value_or(0);
  return true;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

}  // namespace

std::string lower_case(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

HeadScan HeadScanner::scan(std::string_view in, const HttpLimits& limits) {
  for (; scanned_ < in.size(); ++scanned_) {
    if (in[scanned_] != '\n') continue;
    bool blank = (scanned_ >= 1 && in[scanned_ - 1] == '\n') ||
                 (scanned_ >= 2 && in[scanned_ - 1] == '\r' && in[scanned_ - 2] == '\n');
    if (blank && lines_ > 0) {
      end_ = scanned_ + 1;
      return end_ > limits.max_head_bytes ? HeadScan::too_large : HeadScan::complete;
    }
    ++lines_;  // the request line, then one per header line
    if (lines_ > limits.max_headers + 1) return HeadScan::too_large;
  }
  if (lines_ == 0 && in.size() > limits.max_target_bytes + kRequestLineSlack) {
    return HeadScan::target_too_long;
  }
  return in.size() > limits.max_head_bytes ? HeadScan::too_large : HeadScan::incomplete;
}

ParsedHead parse_head(std::string_view head, const HttpLimits& limits) {
  ParsedHead parsed;
  bool first = true;
  while (!head.empty()) {
    auto newline = head.find('\n');
    auto line = head.substr(0, newline);
    head = newline == std::string_view::npos ? std::string_view() : head.substr(newline + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (first) {
      if (!parse_request_line(line, limits, parsed)) return parsed;
      first = false;
    } else if (line.empty()) {
      break;
    } else if (line.front() == ' ' || line.front() == '\t') {
      return failed(400, "folded header lines are not accepted");
    } else if (!parse_header_line(line, parsed)) {
      return parsed;
    }
  }
  if (first) return failed(400, "malformed request line");
  read_content_length(limits, parsed);
  return parsed;
}

std::string render_response(const HttpReply& reply, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                    std::string(reason_phrase(reply.status)) + "\r\n";
  out += "Content-Type: " + reply.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
  out += "Cache-Control: no-store\r\nConnection: close\r\n";
  for (const auto& [name, value] : reply.headers) out += name + ": " + value + "\r\n";
  out += "\r\n";
  if (!head_only) out += reply.body;
  return out;
}

}  // namespace rolewatch::stream
