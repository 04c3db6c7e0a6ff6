#include "support/audit_history.hpp"

#include <algorithm>
#include <fstream>

#include "support/audit_records.hpp"

namespace support {
namespace {

constexpr std::string_view kOctober = "2026-10-01T00:00:00.0000000+00:00";

nlohmann::json graph_item(const Json& record) {
  return nlohmann::json::parse(record.at("properties").dump());
}

std::string id(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? std::string() : prefix + "-" + name;
}

}  // namespace

std::vector<nlohmann::json> october_history(std::size_t fillers, const std::string& id_prefix) {
  std::vector<nlohmann::json> records;
  // An hour apart, or closer when that would run past October (the figures).
  const std::int64_t spacing =
      fillers > 720 ? 30 * 24 * 3600 / static_cast<std::int64_t>(fillers) : 3600;
  for (std::size_t n = 0; n < fillers; ++n) {
    records.push_back(graph_item(
        core_directory_addition({.audit_id = id(id_prefix, "add-" + std::to_string(n)),
                                 .target = admin(static_cast<int>(n % 50) + 10),
                                 .time = at(kOctober, static_cast<std::int64_t>(n) * spacing)})));
  }
  const std::int64_t day2 = 24 * 3600 + 8 * 3600, day3 = 2 * 24 * 3600 + 12 * 3600;
  for (int n = 1; n <= 3; ++n) {
    records.push_back(
        graph_item(core_directory_removal({.audit_id = id(id_prefix, "burst1-" + std::to_string(n)),
                                           .target = admin(n),
                                           .time = at(kOctober, day2 + 60 * n)})));
  }
  for (int n = 4; n <= 7; ++n) {
    records.push_back(graph_item(core_directory_removal(
        {.audit_id = id(id_prefix, "burst2-" + std::to_string(n)),
         .actor = app("cccccccc-0000-4000-8000-000000000001", "rogue-automation"),
         .target = admin(n),
         .time = at(kOctober, day3 + 30 * n)})));
  }
  return records;
}

std::string as_graph_page(std::vector<nlohmann::json> records) {
  std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) {
    return a["activityDateTime"].template get<std::string>() <
           b["activityDateTime"].template get<std::string>();
  });
  return nlohmann::json{{"value", records}}.dump();
}

std::filesystem::path write_backfill_config(const std::filesystem::path& dir,
                                            const FakeGraph& graph) {
  auto path = dir / "rolewatch.yaml";
  std::ofstream out(path);
  out << "source: {brokers: embedded, topic: t, group: g}\n"
      << "state: {dir: " << (dir / "state").string() << "}\n"
      << "graph: {tenant_id: tenant-1, client_id: app-1, client_secret: s3cret, base_url: '"
      << graph.base_url() << "', authority: '" << graph.base_url() << "', max_attempts: 2}\n"
      << "sinks:\n  - {type: file, path: " << (dir / "alerts.jsonl").string() << "}\n";
  return path;
}

}  // namespace support
