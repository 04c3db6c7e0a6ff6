// The fake Logs Ingestion endpoint: cpp-httplib decompresses a gzip request
// body itself (it is built with zlib), so the fake records the wire size from
// Content-Length and checks the decoded JSON.
#include "support/fake_log_ingestion.hpp"

#include <condition_variable>
#include <deque>
#include <optional>
#include <stdexcept>
#include <thread>

#include "support/httplib_include.hpp"

namespace support {

namespace {
constexpr std::size_t kOneMegabyte = 1u << 20;
}

struct FakeLogIngestion::Impl {
  std::function<bool(const std::string&)> token_ok;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mutex;
  mutable std::condition_variable changed;
  std::deque<IngestionFault> faults;
  std::vector<IngestionCall> calls;
  std::vector<nlohmann::json> accepted;

  IngestionCall record(const httplib::Request& req) const {
    IngestionCall call;
    call.path = req.path;
    call.api_version = req.get_param_value("api-version");
    call.authorization = req.get_header_value("Authorization");
    call.content_type = req.get_header_value("Content-Type");
    call.content_encoding = req.get_header_value("Content-Encoding");
    auto length = req.get_header_value("Content-Length");
    call.wire_bytes = length.empty() ? 0 : std::stoull(length);
    call.raw_bytes = req.body.size();
    call.rows = nlohmann::json::parse(req.body, nullptr, false);
    if (call.rows.is_discarded()) call.rows = nullptr;
    return call;
  }

  // The status the real API would give, before any scripted fault.
  int judge(const IngestionCall& call) const {
    const auto& token = call.authorization;
    if (!token.starts_with("Bearer ") || !token_ok(token.substr(7))) return 401;
    if (call.api_version != "2023-01-01") return 400;
    if (call.wire_bytes > kOneMegabyte || call.raw_bytes > kOneMegabyte) return 413;
    if (!call.content_type.starts_with("application/json") || !call.rows.is_array()) return 400;
    return 204;
  }

  std::optional<IngestionFault> next_fault() {
    std::lock_guard lock(mutex);
    if (faults.empty()) return std::nullopt;
    auto fault = faults.front();
    faults.pop_front();
    return fault;
  }

  void handle(const httplib::Request& req, httplib::Response& res) {
    auto call = record(req);
    call.status = judge(call);
    if (auto fault = call.status == 204 ? next_fault() : std::nullopt) {
      std::this_thread::sleep_for(fault->delay);
      call.status = fault->status;
      if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
      if (!fault->body.empty()) res.set_content(fault->body, "application/json");
    }
    std::lock_guard lock(mutex);
    if (call.status == 204) {
      for (const auto& row : call.rows) accepted.push_back(row);
    }
    res.status = call.status;
    calls.push_back(std::move(call));
    changed.notify_all();
  }
};

FakeLogIngestion::FakeLogIngestion(std::function<bool(const std::string&)> token_ok)
    : impl_(std::make_unique<Impl>()) {
  impl_->token_ok = std::move(token_ok);
  impl_->server.set_payload_max_length(8 * kOneMegabyte);
  impl_->server.Post(R"(/dataCollectionRules/([^/]+)/streams/([^/]+))",
                     [this](const auto& req, auto& res) { impl_->handle(req, res); });
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("fake log ingestion: cannot bind");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // Debian's cpp-httplib has no wait_until_ready().
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeLogIngestion::~FakeLogIngestion() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string FakeLogIngestion::endpoint() const {
  return "http://127.0.0.1:" + std::to_string(impl_->port);
}

void FakeLogIngestion::script(std::vector<IngestionFault> faults) {
  std::lock_guard lock(impl_->mutex);
  for (auto& fault : faults) impl_->faults.push_back(std::move(fault));
}

std::vector<IngestionCall> FakeLogIngestion::calls() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->calls;
}

std::vector<nlohmann::json> FakeLogIngestion::accepted_rows() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->accepted;
}

bool FakeLogIngestion::wait_for_rows(std::size_t n) const {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_for(lock, std::chrono::seconds(20),
                                 [&] { return impl_->accepted.size() >= n; });
}

}  // namespace support
