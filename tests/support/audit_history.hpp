#pragma once
// A past month of RoleManagement audit records in Graph's directoryAudit
// shape, for the backfill tests and figures (FakeGraph::set_audits), and
// the configuration that points `rolewatch backfill` at a FakeGraph.
#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/fake_graph.hpp"

namespace support {

// October 2026: `fillers` role additions an hour apart (closer past 720)
// from 2026-10-01T00:00Z (not counted by any rule), and two removal bursts: mallory
// removes Global Administrator from admins 1-3 on 2026-10-02 at 08:00 (one
// minute apart), and an app removes it from admins 4-7 on 2026-10-03 at 12:00.
// Seven counted removals in all; ids are unique per call unless `id_prefix`
// is given (then ids are stable across calls).
std::vector<nlohmann::json> october_history(std::size_t fillers, const std::string& id_prefix = {});

// The records as one Graph page line ({"value":[...]}) in time order, for replay.
std::string as_graph_page(std::vector<nlohmann::json> records);

// rolewatch.yaml in `dir`: state in dir/state, Graph on `graph` (client
// secret of FakeGraph::client_secret_config, max_attempts 2), a file sink
// dir/alerts.jsonl. Returns the file's path.
std::filesystem::path write_backfill_config(const std::filesystem::path& dir,
                                            const FakeGraph& graph);

}  // namespace support
