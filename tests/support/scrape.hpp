#pragma once
// Talking to a rolewatch HTTP server from a test: a free loopback port to
// listen on, a GET, and one series' value from a Prometheus scrape.
#include <string>

namespace support {

// A loopback port nothing listens on right now.
int free_loopback_port();

struct HttpAnswer {
  long status = 0;  // 0 when the request failed
  std::string body;
};
HttpAnswer http_get(const std::string& url);

// The value of `series` (name plus labels, as printed) or -1 when absent.
double metric_value(const std::string& scrape, const std::string& series);

}  // namespace support
