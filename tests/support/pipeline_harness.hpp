#pragma once
// A Pipeline over a fresh RocksDB store, fed message bodies directly, for
// the tests of what the pipeline decides (no source, no sinks). The wall
// clock is the harness's `now`, so update intervals are tested without
// sleeping; `reopen()` is a restart on the same state.
#include <memory>
#include <string>
#include <vector>

#include "rules/rule_definition.hpp"
#include "state/store.hpp"
#include "stream/pipeline/pipeline.hpp"
#include "support/temp_dir.hpp"

namespace support {

class PipelineHarness {
 public:
  // `decode_worker`: decode on a second thread too, as replay does.
  explicit PipelineHarness(std::vector<rolewatch::rules::RuleDefinition> rules = {},
                           bool decode_worker = false);

  // A restart: the pipeline and store are closed and opened again.
  void reopen();

  // Processes one batch; `mute`: read below a restore checkpoint.
  rolewatch::stream::BatchResult feed(const std::vector<std::string>& bodies, bool mute = false,
                                      std::int64_t first_offset = 0, std::int32_t partition = 0);
  rolewatch::stream::BatchResult tick();
  rolewatch::stream::BatchResult flush(rolewatch::stream::FlushScope scope);

  // Entries in one column family.
  std::size_t count(rolewatch::state::Family family);
  // The outbox's documents in order.
  std::vector<nlohmann::json> outbox();

  TempDir dir;
  // The pipeline's wall clock (also replay's reference for future records).
  rolewatch::rules::EventTime now = rolewatch::stream::system_wall_clock();
  std::vector<std::int32_t> partitions{0};  // assigned to the clock on open
  bool keep_outbox = true;                  // PipelineOptions::outbox, on open
  std::unique_ptr<rolewatch::state::Store> store;
  std::unique_ptr<rolewatch::stream::Pipeline> pipeline;

 private:
  std::vector<rolewatch::rules::RuleDefinition> rules_;
  bool decode_worker_ = false;
  std::int64_t next_offset_ = 0;
};

}  // namespace support
