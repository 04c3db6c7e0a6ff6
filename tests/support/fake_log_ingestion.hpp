#pragma once
// A local fake of Azure Monitor's Logs Ingestion API for the log-analytics
// sink tests (integrations.md §8): POST
// /dataCollectionRules/{id}/streams/{stream}?api-version=2023-01-01 with a
// bearer token (checked by the caller's function, normally FakeGraph's
// valid_token), a gzip or plain JSON array body, 204 on success, 413 above
// 1 MB, and scripted faults (429 with Retry-After, 403, 5xx). A real HTTP
// server on 127.0.0.1, like the other fakes.
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace support {

// One request as it arrived.
struct IngestionCall {
  std::string path;  // without the query
  std::string api_version;
  std::string authorization;
  std::string content_type;
  std::string content_encoding;
  std::size_t wire_bytes = 0;  // Content-Length: the body as sent (gzip)
  std::size_t raw_bytes = 0;   // the body after decompression
  int status = 0;              // what the fake answered
  nlohmann::json rows;         // the JSON array (null when it did not parse)
};

// A scripted answer: `status` (204 for a normal answer) after `delay`.
struct IngestionFault {
  int status = 503;
  std::string retry_after;  // header value; empty: none
  std::string body;
  std::chrono::milliseconds delay{0};
};

class FakeLogIngestion {
 public:
  // `token_ok` decides whether a bearer token is valid (401 otherwise).
  explicit FakeLogIngestion(std::function<bool(const std::string&)> token_ok);
  ~FakeLogIngestion();
  FakeLogIngestion(const FakeLogIngestion&) = delete;
  FakeLogIngestion& operator=(const FakeLogIngestion&) = delete;

  std::string endpoint() const;  // http://127.0.0.1:PORT
  // The next requests get these answers, in order (then 204).
  void script(std::vector<IngestionFault> faults);
  std::vector<IngestionCall> calls() const;
  // Every row of every request answered 204.
  std::vector<nlohmann::json> accepted_rows() const;
  // Waits until `n` rows were accepted (true) or 20 s passed.
  bool wait_for_rows(std::size_t n) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace support
