#include "support/fake_graph.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <regex>
#include <stdexcept>

#include "state/base/time.hpp"
#include "support/httplib_include.hpp"

namespace support {

using nlohmann::json;

json FakeDirectory::user_principal(const FakeUser& user) {
  return {{"@odata.type", "#microsoft.graph.user"},
          {"id", user.id},
          {"displayName", user.user_principal_name.substr(0, user.user_principal_name.find('@'))},
          {"userPrincipalName", user.user_principal_name},
          {"accountEnabled", user.account_enabled},
          {"userType", "Member"}};
}

json FakeDirectory::group_principal(const std::string& id, const std::string& name) {
  return {{"@odata.type", "#microsoft.graph.group"},
          {"id", id},
          {"displayName", name},
          {"isAssignableToRole", true}};
}

json FakeDirectory::role_definition(const std::string& template_id, const std::string& name) {
  return {{"id", template_id},
          {"templateId", template_id},
          {"displayName", name},
          {"isBuiltIn", true},
          {"isEnabled", true}};
}

json FakeDirectory::schedule(const std::string& id, const json& principal,
                             const json& role_definition, const std::string& end_date_time,
                             const std::string& assignment_type) {
  json expiration =
      end_date_time.empty()
          ? json{{"type", "noExpiration"}, {"endDateTime", nullptr}, {"duration", nullptr}}
          : json{{"type", "afterDateTime"}, {"endDateTime", end_date_time}, {"duration", nullptr}};
  json item = {{"id", id},
               {"principalId", principal["id"]},
               {"roleDefinitionId", role_definition["id"]},
               {"directoryScopeId", "/"},
               {"appScopeId", nullptr},
               {"createdUsing", id},
               {"createdDateTime", "2025-01-10T09:00:00Z"},
               {"modifiedDateTime", nullptr},
               {"status", "Provisioned"},
               {"memberType", "Direct"},
               {"scheduleInfo",
                {{"startDateTime", "2025-01-10T09:00:00Z"},
                 {"recurrence", nullptr},
                 {"expiration", expiration}}},
               {"principal", principal},
               {"roleDefinition", role_definition}};
  if (!assignment_type.empty()) item["assignmentType"] = assignment_type;
  return item;
}

struct FakeGraph::Impl {
  FakeGraph& owner;
  httplib::Server server;
  std::thread thread;
  int port = 0;
  mutable std::mutex mutex;
  FakeDirectory directory;
  std::size_t page_size = 2;
  std::string tenant = "tenant-1", client_id = "app-1", secret = "s3cret", federated = "k8s-jwt";
  std::vector<Fault> faults;
  std::vector<std::string> valid_tokens;
  std::uint64_t token_counter = 0;
  std::map<int, std::uint64_t> statuses;
  std::vector<std::string> grants;
  int fail_all = 0;
  std::function<nlohmann::json(nlohmann::json)> batch_tamper;  // rewrites $batch answers
  // directoryAudits: RoleManagement records, oldest first, with their times.
  std::vector<std::pair<std::int64_t, json>> audits;
  bool deny_audits = false;
  std::function<void(std::size_t)> audit_hook;
  std::function<json(json)> audit_tamper;
  std::vector<std::string> audit_queries;

  explicit Impl(FakeGraph& g) : owner(g) {}

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port); }

  // A matching fault, consumed; nullopt when none applies.
  std::optional<Fault> take_fault(const std::string& target, bool inner) {
    std::lock_guard lock(mutex);
    for (auto it = faults.begin(); it != faults.end(); ++it) {
      if (it->inside_batch != inner || target.find(it->path_contains) == std::string::npos)
        continue;
      Fault fault = *it;
      if (--it->times <= 0) faults.erase(it);
      return fault;
    }
    return std::nullopt;
  }

  std::string issue_token() {
    std::lock_guard lock(mutex);
    auto token = "token-" + std::to_string(++token_counter);
    valid_tokens.push_back(token);
    return token;
  }

  void reply(httplib::Response& res, int status, const json& body) {
    {
      std::lock_guard lock(mutex);
      ++statuses[status];
    }
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }

  static json graph_error(const std::string& code, const std::string& message) {
    return {{"error", {{"code", code}, {"message", message}}}};
  }

  void token_answer(httplib::Response& res) {
    reply(res, 200,
          {{"token_type", "Bearer"},
           {"expires_in", 3599},
           {"ext_expires_in", 3599},
           {"access_token", issue_token()}});
  }

  void handle_token(const httplib::Request& req, httplib::Response& res) {
    ++owner.token_requests_;
    auto param = [&](const char* name) { return req.get_param_value(name); };
    bool right_client =
        req.matches.size() > 1 && req.matches[1] == tenant && param("client_id") == client_id &&
        param("grant_type") == "client_credentials" && param("scope") == base() + "/.default";
    bool by_secret = param("client_secret") == secret && !secret.empty();
    bool by_assertion = param("client_assertion_type") ==
                            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
                        param("client_assertion") == federated;
    {
      std::lock_guard lock(mutex);
      grants.push_back(by_assertion ? "jwt-bearer" : by_secret ? "client-secret" : "rejected");
    }
    if (right_client && (by_secret || by_assertion)) return token_answer(res);
    reply(res, 401,
          {{"error", "invalid_client"},
           {"error_description",
            "AADSTS7000215: Invalid client secret provided.\r\n"
            "Trace ID: 0000"},
           {"error_codes", {7000215}}});
  }

  void handle_managed_identity(const httplib::Request& req, httplib::Response& res,
                               bool app_service) {
    ++owner.token_requests_;
    bool header_ok = app_service
                         ? req.get_header_value("X-IDENTITY-HEADER") == owner.identity_header_
                         : req.get_header_value("Metadata") == "true";
    std::string version = app_service ? "2019-08-01" : "2018-02-01";
    {
      std::lock_guard lock(mutex);
      grants.push_back(app_service ? "app-service" : "imds");
    }
    auto resource = owner.identity_resource_.empty() ? base() : owner.identity_resource_;
    if (!header_ok || req.get_param_value("api-version") != version ||
        req.get_param_value("resource") != resource ||
        (!owner.identity_resource_.empty() &&
         req.get_param_value("client_id") != owner.identity_client_id_)) {
      return reply(res, 400, {{"error", "invalid_request"}, {"error_description", "bad request"}});
    }
    // IMDS answers expires_in and expires_on; App Service's 2019-08-01
    // protocol only expires_on (seconds since the epoch), both as strings.
    json answer = {{"access_token", issue_token()},
                   {"expires_on", "4102444800"},
                   {"resource", resource},
                   {"token_type", "Bearer"}};
    if (!app_service) answer["expires_in"] = "86399";
    reply(res, 200, answer);
  }

  bool authorized(const httplib::Request& req) {
    auto header = req.get_header_value("Authorization");
    std::lock_guard lock(mutex);
    return header.starts_with("Bearer ") && std::find(valid_tokens.begin(), valid_tokens.end(),
                                                      header.substr(7)) != valid_tokens.end();
  }

  // Common gate of every Graph call: token, global failure, injected faults.
  bool gate(const httplib::Request& req, httplib::Response& res) {
    ++owner.graph_requests_;
    if (!authorized(req)) {
      reply(res, 401,
            graph_error("InvalidAuthenticationToken",
                        "Access token has expired or is not yet valid."));
      return false;
    }
    if (fail_all != 0) {
      reply(res, fail_all, graph_error("serviceNotAvailable", "down"));
      return false;
    }
    if (auto fault = take_fault(req.target, false)) {
      if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
      reply(res, fault->status,
            graph_error(fault->status == 429 ? "TooManyRequests" : "serviceNotAvailable",
                        "injected"));
      return false;
    }
    return true;
  }

  // One page of `items` (copied under the lock: only the page, so that a
  // 10k-row directory is not copied per request).
  void page(const httplib::Request& req, httplib::Response& res, const std::vector<json>& items,
            const std::string& link_path, const std::string& context) {
    std::size_t skip =
        req.has_param("$skiptoken") ? std::stoul(req.get_param_value("$skiptoken")) : 0;
    json value = json::array();
    std::size_t total = 0;
    {
      std::lock_guard lock(mutex);
      total = items.size();
      for (std::size_t i = skip; i < total && i < skip + page_size; ++i) value.push_back(items[i]);
    }
    json body = {{"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#" + context}};
    if (skip + page_size < total) {
      body["@odata.nextLink"] = base() + link_path +
                                (link_path.find('?') == std::string::npos ? "?" : "&") +
                                "$skiptoken=" + std::to_string(skip + page_size);
    }
    body["value"] = std::move(value);
    reply(res, 200, body);
  }

  json inner_answer(const json& request) {
    std::string url = request.value("url", "");
    if (auto fault = take_fault(url, true)) {
      json headers = json::object();
      if (!fault->retry_after.empty()) headers["Retry-After"] = fault->retry_after;
      return {{"id", request["id"]},
              {"status", fault->status},
              {"headers", headers},
              {"body", graph_error("TooManyRequests", "injected")}};
    }
    static const std::regex kUser(R"(^/users/([^?/]+)\?\$select=(.*)$)");
    std::smatch match;
    std::lock_guard lock(mutex);
    if (std::regex_match(url, match, kUser)) {
      auto it = directory.users.find(match[1]);
      if (it != directory.users.end()) {
        const auto& user = it->second;
        json body = {
            {"@odata.context",
             "https://graph.microsoft.com/v1.0/"
             "$metadata#users(id,userPrincipalName,onPremisesSyncEnabled,accountEnabled)/$entity"},
            {"id", user.id},
            {"userPrincipalName", user.user_principal_name},
            {"onPremisesSyncEnabled",
             user.on_premises_sync ? json(*user.on_premises_sync) : json()},
            {"accountEnabled", user.account_enabled}};
        return {{"id", request["id"]},
                {"status", 200},
                {"headers", {{"Content-Type", "application/json"}}},
                {"body", body}};
      }
    }
    return {{"id", request["id"]},
            {"status", 404},
            {"headers", json::object()},
            {"body", graph_error("Request_ResourceNotFound", "Resource does not exist.")}};
  }

  void handle_batch(const httplib::Request& req, httplib::Response& res) {
    if (!gate(req, res)) return;
    auto doc = json::parse(req.body, nullptr, false);
    if (!doc.is_object() || !doc["requests"].is_array() || doc["requests"].size() > 20) {
      return reply(res, 400, graph_error("BadRequest", "Invalid batch payload."));
    }
    json responses = json::array();
    for (const auto& request : doc["requests"]) responses.push_back(inner_answer(request));
    json answer = {{"responses", responses}};
    std::function<json(json)> tamper;
    {
      std::lock_guard lock(mutex);
      tamper = batch_tamper;
    }
    reply(res, 200, tamper ? tamper(std::move(answer)) : answer);
  }

  // The one $filter shape backfill sends; nullopt (a 400) for any other.
  struct AuditQuery {
    std::int64_t since = 0;
    std::int64_t until = INT64_MAX;
    bool ascending = false;
    std::size_t top = 100;
    std::size_t skip = 0;
  };
  std::optional<AuditQuery> audit_query(const httplib::Request& req) {
    static const std::regex kFilter(
        R"(^category eq 'RoleManagement' and activityDateTime ge (\S+)(?: and activityDateTime le (\S+))?$)");
    std::smatch match;
    auto filter = req.get_param_value("$filter");
    auto orderby = req.get_param_value("$orderby");
    {
      std::lock_guard lock(mutex);
      audit_queries.push_back(filter + " | " + orderby);
    }
    if (!std::regex_match(filter, match, kFilter)) return std::nullopt;
    AuditQuery query;
    auto since = rolewatch::state::parse_event_time(match[1].str());
    auto until = match[2].matched ? rolewatch::state::parse_event_time(match[2].str())
                                  : std::optional<std::int64_t>(INT64_MAX);
    if (!since || !until || (!orderby.empty() && orderby != "activityDateTime asc")) {
      return std::nullopt;
    }
    query.since = *since;
    query.until = *until;
    query.ascending = !orderby.empty();
    if (req.has_param("$top")) query.top = std::stoul(req.get_param_value("$top"));
    if (req.has_param("$skiptoken")) query.skip = std::stoul(req.get_param_value("$skiptoken"));
    if (query.top == 0 || query.top > 1000) return std::nullopt;
    return query;
  }

  static std::string encode(const std::string& text) {
    std::string out;
    for (char c : text) {
      if (c == ' ') {
        out += "%20";
      } else if (c == '\'') {
        out += "%27";
      } else {
        out += c;
      }
    }
    return out;
  }

  void handle_audits(const httplib::Request& req, httplib::Response& res) {
    if (!gate(req, res)) return;
    bool deny = false;
    {
      std::lock_guard lock(mutex);
      deny = deny_audits;
    }
    if (deny) {
      return reply(res, 403,
                   graph_error("Authorization_RequestDenied",
                               "Insufficient privileges to complete the operation."));
    }
    auto query = audit_query(req);
    if (!query) return reply(res, 400, graph_error("BadRequest", "Invalid filter clause"));
    std::function<void(std::size_t)> hook;
    std::function<json(json)> tamper;
    json value = json::array();
    std::size_t total = 0;
    {
      std::lock_guard lock(mutex);
      hook = audit_hook;
      tamper = audit_tamper;
      auto by_time = [](const auto& a, std::int64_t t) { return a.first < t; };
      auto first = std::lower_bound(audits.begin(), audits.end(), query->since, by_time);
      auto last = std::upper_bound(audits.begin(), audits.end(), query->until,
                                   [](std::int64_t t, const auto& a) { return t < a.first; });
      total = static_cast<std::size_t>(last - first);
      for (std::size_t i = query->skip; i < total && i < query->skip + query->top; ++i) {
        value.push_back(query->ascending ? first[i].second : (last - 1 - i)->second);
      }
    }
    if (hook) hook(query->skip);
    json body = {
        {"@odata.context", "https://graph.microsoft.com/v1.0/$metadata#auditLogs/directoryAudits"}};
    if (query->skip + query->top < total) {
      body["@odata.nextLink"] = base() + "/v1.0/auditLogs/directoryAudits?$filter=" +
                                encode(req.get_param_value("$filter")) +
                                (query->ascending ? "&$orderby=activityDateTime%20asc" : "") +
                                "&$top=" + std::to_string(query->top) +
                                "&$skiptoken=" + std::to_string(query->skip + query->top);
    }
    body["value"] = std::move(value);
    reply(res, 200, tamper ? tamper(std::move(body)) : body);
  }

  void install_routes() {
    server.Get("/v1.0/auditLogs/directoryAudits",
               [this](const auto& req, auto& res) { handle_audits(req, res); });
    server.Post(R"(/([^/]+)/oauth2/v2.0/token)",
                [this](const auto& req, auto& res) { handle_token(req, res); });
    server.Get("/metadata/identity/oauth2/token",
               [this](const auto& req, auto& res) { handle_managed_identity(req, res, false); });
    server.Get("/msi/token",
               [this](const auto& req, auto& res) { handle_managed_identity(req, res, true); });
    server.Get("/v1.0/roleManagement/directory/roleEligibilitySchedules", [this](const auto& req,
                                                                                 auto& res) {
      if (!gate(req, res)) return;
      page(req, res, directory.eligibility_schedules,
           "/v1.0/roleManagement/directory/"
           "roleEligibilitySchedules?$expand=roleDefinition,principal",
           "roleManagement/directory/roleEligibilitySchedules(principal(),roleDefinition())");
    });
    server.Get("/v1.0/roleManagement/directory/roleAssignmentSchedules", [this](const auto& req,
                                                                                auto& res) {
      if (!gate(req, res)) return;
      page(
          req, res, directory.assignment_schedules,
          "/v1.0/roleManagement/directory/roleAssignmentSchedules?$expand=roleDefinition,principal",
          "roleManagement/directory/roleAssignmentSchedules(principal(),roleDefinition())");
    });
    server.Get(R"(/v1.0/groups/([^/]+)/transitiveMembers)", [this](const auto& req, auto& res) {
      if (!gate(req, res)) return;
      const std::vector<json>* members = nullptr;
      {
        std::lock_guard lock(mutex);
        auto it = directory.group_members.find(req.matches[1]);
        if (it != directory.group_members.end()) members = &it->second;
      }
      if (members == nullptr) {
        return reply(res, 404, graph_error("Request_ResourceNotFound", "Group not found."));
      }
      std::string group = req.matches[1];
      page(req, res, *members, "/v1.0/groups/" + group + "/transitiveMembers", "directoryObjects");
    });
    server.Post(R"(/v1\.0/\$batch)",
                [this](const auto& req, auto& res) { handle_batch(req, res); });
  }
};

FakeGraph::FakeGraph() : impl_(std::make_unique<Impl>(*this)) {
  impl_->install_routes();
  impl_->port = impl_->server.bind_to_any_port("127.0.0.1");
  if (impl_->port <= 0) throw std::runtime_error("fake graph: cannot bind");
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // Debian's cpp-httplib has no wait_until_ready().
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeGraph::~FakeGraph() {
  impl_->server.stop();
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::string FakeGraph::base_url() const {
  return impl_->base();
}

rolewatch::state::GraphConfig FakeGraph::client_secret_config() const {
  rolewatch::state::GraphConfig config;
  config.base_url = base_url();
  config.token.authority = base_url();
  config.token.tenant_id = "tenant-1";
  config.token.client_id = "app-1";
  config.token.client_secret = "s3cret";
  return config;
}

void FakeGraph::set_directory(FakeDirectory directory) {
  std::lock_guard lock(impl_->mutex);
  impl_->directory = std::move(directory);
}

void FakeGraph::set_page_size(std::size_t size) {
  std::lock_guard lock(impl_->mutex);
  impl_->page_size = size;
}

void FakeGraph::set_client(std::string tenant, std::string client_id, std::string secret,
                           std::string federated_token) {
  std::lock_guard lock(impl_->mutex);
  impl_->tenant = std::move(tenant);
  impl_->client_id = std::move(client_id);
  impl_->secret = std::move(secret);
  impl_->federated = std::move(federated_token);
}

void FakeGraph::inject(Fault fault) {
  std::lock_guard lock(impl_->mutex);
  impl_->faults.push_back(std::move(fault));
}

void FakeGraph::expire_tokens() {
  std::lock_guard lock(impl_->mutex);
  impl_->valid_tokens.clear();
}

void FakeGraph::fail_everything(int status) {
  std::lock_guard lock(impl_->mutex);
  impl_->fail_all = status;
}

void FakeGraph::tamper_with_batches(std::function<nlohmann::json(nlohmann::json)> tamper) {
  std::lock_guard lock(impl_->mutex);
  impl_->batch_tamper = std::move(tamper);
}

std::uint64_t FakeGraph::answered(int status) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->statuses.find(status);
  return it == impl_->statuses.end() ? 0 : it->second;
}

bool FakeGraph::valid_token(const std::string& token) const {
  std::lock_guard lock(impl_->mutex);
  const auto& tokens = impl_->valid_tokens;
  return std::find(tokens.begin(), tokens.end(), token) != tokens.end();
}

void FakeGraph::set_audits(std::vector<nlohmann::json> records) {
  std::vector<std::pair<std::int64_t, json>> audits;
  for (auto& record : records) {
    if (record.value("category", "") != "RoleManagement") continue;
    auto time = rolewatch::state::parse_event_time(record.value("activityDateTime", ""));
    if (!time) throw std::invalid_argument("fake graph: an audit record without a time");
    audits.emplace_back(*time, std::move(record));
  }
  std::stable_sort(audits.begin(), audits.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::lock_guard lock(impl_->mutex);
  impl_->audits = std::move(audits);
}

void FakeGraph::deny_audit_logs(bool deny) {
  std::lock_guard lock(impl_->mutex);
  impl_->deny_audits = deny;
}

void FakeGraph::on_audit_page(std::function<void(std::size_t)> hook) {
  std::lock_guard lock(impl_->mutex);
  impl_->audit_hook = std::move(hook);
}

void FakeGraph::tamper_with_audit_pages(std::function<nlohmann::json(nlohmann::json)> tamper) {
  std::lock_guard lock(impl_->mutex);
  impl_->audit_tamper = std::move(tamper);
}

std::vector<std::string> FakeGraph::audit_queries() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->audit_queries;
}

std::vector<std::string> FakeGraph::grants() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->grants;
}

FakeDirectory generated_directory(std::size_t assignments) {
  static const std::pair<const char*, const char*> kRoles[] = {
      {"62e90394-69f5-4237-9190-012177145e10", "Global Administrator"},
      {"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator"},
      {"fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator"},
      {"f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"},
      {"29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator"}};
  FakeDirectory directory;
  char id[40];
  auto user_id = [&](std::size_t n) {
    std::snprintf(id, sizeof id, "aaaaaaaa-0000-4000-8000-%012zx", n);
    return std::string(id);
  };
  const std::size_t users = std::max<std::size_t>(1, assignments / 2);
  for (std::size_t n = 0; n < users; ++n) {
    directory.add_user({user_id(n), "user" + std::to_string(n) + "@contoso.com",
                        n % 10 == 0 ? std::optional<bool>(true) : std::nullopt, n % 50 != 0});
  }
  // Ten groups of 50 members carry 5% of the rows; the rest are direct.
  std::size_t rows = 0, schedule = 0;
  for (std::size_t g = 0; g < 10 && rows + 50 <= assignments / 20; ++g) {
    std::snprintf(id, sizeof id, "99999999-0000-4000-8000-%012zx", g);
    std::string group = id;
    for (std::size_t m = 0; m < 50; ++m) {
      directory.group_members[group].push_back(
          FakeDirectory::user_principal(directory.users[user_id((g * 50 + m) % users)]));
    }
    const auto& [role, name] = kRoles[g % 5];
    directory.eligibility_schedules.push_back(FakeDirectory::schedule(
        "sched-" + std::to_string(schedule++),
        FakeDirectory::group_principal(group, "PIM-group-" + std::to_string(g)),
        FakeDirectory::role_definition(role, name)));
    rows += 50;
  }
  for (std::size_t n = 0; rows < assignments; ++n, ++rows) {
    const auto& user = directory.users[user_id(n % users)];
    const auto& [role, name] = kRoles[(n / users + n) % 5];
    auto item = FakeDirectory::schedule(
        "sched-" + std::to_string(schedule++), FakeDirectory::user_principal(user),
        FakeDirectory::role_definition(role, name), {}, n % 10 == 9 ? "Assigned" : "");
    (n % 10 == 9 ? directory.assignment_schedules : directory.eligibility_schedules)
        .push_back(std::move(item));
  }
  return directory;
}

}  // namespace support
