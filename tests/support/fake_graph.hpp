#pragma once
// A local fake of Microsoft Graph and Entra's token endpoints for tests:
// Graph-shaped JSON (paged with @odata.nextLink pointing back at this
// server), a token endpoint that checks the grant, IMDS and App Service
// managed identity endpoints, $batch, and injectable faults (429 with
// Retry-After, 5xx, expired tokens).
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "state/directory/graph_client.hpp"

namespace support {

struct FakeUser {
  std::string id;
  std::string user_principal_name;
  std::optional<bool> on_premises_sync;  // nullopt: Graph's null (cloud-only)
  bool account_enabled = true;
};

// What the fake directory holds, in Graph's own shapes.
struct FakeDirectory {
  std::vector<nlohmann::json> eligibility_schedules;
  std::vector<nlohmann::json> assignment_schedules;
  std::map<std::string, std::vector<nlohmann::json>> group_members;  // group id -> members
  std::map<std::string, FakeUser> users;

  // Builders of realistic objects.
  static nlohmann::json user_principal(const FakeUser& user);
  static nlohmann::json group_principal(const std::string& id, const std::string& name);
  static nlohmann::json role_definition(const std::string& template_id, const std::string& name);
  // An eligibility (or with assignment_type, an assignment) schedule.
  static nlohmann::json schedule(const std::string& id, const nlohmann::json& principal,
                                 const nlohmann::json& role_definition,
                                 const std::string& end_date_time = {},
                                 const std::string& assignment_type = {});
  void add_user(const FakeUser& user) { users[user.id] = user; }
};

struct Fault {
  std::string path_contains;  // matched against the request path (+ "?" query)
  int status = 503;
  std::string retry_after;  // header value; empty: none
  int times = 1;
  bool inside_batch = false;  // answer an inner $batch request instead
};

class FakeGraph {
 public:
  FakeGraph();
  ~FakeGraph();

  // http://127.0.0.1:PORT (Graph root and token authority alike).
  std::string base_url() const;
  // Graph settings pointing at this fake, client-secret tokens for
  // tenant-1/app-1: what most tests start from.
  rolewatch::state::GraphConfig client_secret_config() const;
  std::string imds_endpoint() const { return base_url() + "/metadata/identity/oauth2/token"; }
  std::string app_service_endpoint() const { return base_url() + "/msi/token"; }

  void set_directory(FakeDirectory directory);
  void set_page_size(std::size_t size);
  // Credentials the token endpoint accepts.
  void set_client(std::string tenant, std::string client_id, std::string secret,
                  std::string federated_token);
  void set_identity_header(std::string header) { identity_header_ = std::move(header); }
  // What the managed identity endpoints expect: the token's resource
  // (default: this server's root, as Graph's) and a user-assigned
  // identity's client_id (none: the system-assigned identity). Before the
  // first call, any client_id is accepted.
  void set_managed_identity(std::string resource, std::string client_id = {}) {
    identity_resource_ = std::move(resource);
    identity_client_id_ = std::move(client_id);
  }
  void inject(Fault fault);
  // auditLogs/directoryAudits (backfill): records in Graph's directoryAudit
  // shape (support::graph_page's items). Only `category eq 'RoleManagement'
  // and activityDateTime ge T [and activityDateTime le T]` is accepted as
  // $filter (anything else: 400); $orderby=activityDateTime asc pages oldest
  // first, without it newest first (Graph's default); $top is the page size.
  void set_audits(std::vector<nlohmann::json> records);
  // directoryAudits answers 403 Authorization_RequestDenied (no AuditLog.Read.All).
  void deny_audit_logs(bool deny);
  // Runs with each directoryAudits page's first index before it is answered.
  void on_audit_page(std::function<void(std::size_t first)> hook);
  // Every directoryAudits page goes through `tamper` before it is sent.
  void tamper_with_audit_pages(std::function<nlohmann::json(nlohmann::json)> tamper);
  // The $filter and $orderby of every directoryAudits request, in order.
  std::vector<std::string> audit_queries() const;
  // Makes every token issued so far invalid (their next use gets a 401).
  void expire_tokens();
  // Every Graph request fails with this status from now on (0: stop).
  void fail_everything(int status);
  // Every $batch answer goes through `tamper` before it is sent (a
  // malformed answer: numeric ids, no responses, ...); empty: stop.
  void tamper_with_batches(std::function<nlohmann::json(nlohmann::json)> tamper);

  std::uint64_t token_requests() const { return token_requests_; }
  std::uint64_t graph_requests() const { return graph_requests_; }
  std::uint64_t answered(int status) const;
  std::vector<std::string> grants() const;  // grant descriptions seen, in order
  // True for a token this fake issued and has not expired: lets another fake
  // resource (tests/support/fake_log_ingestion) check a bearer token.
  bool valid_token(const std::string& token) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string identity_header_;
  std::string identity_resource_, identity_client_id_;
  std::atomic<std::uint64_t> token_requests_{0};
  std::atomic<std::uint64_t> graph_requests_{0};
  friend struct Impl;
};

// A generated directory: `users` users with direct eligibility over a few
// roles, role-assignable groups, permanent and activated assignments, about
// `assignments` flattened rows in all.
FakeDirectory generated_directory(std::size_t assignments);

}  // namespace support
