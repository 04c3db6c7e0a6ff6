#include "support/pipeline_harness.hpp"

#include <catch2/catch.hpp>

namespace support {

using namespace rolewatch;

PipelineHarness::PipelineHarness(std::vector<rules::RuleDefinition> rules, bool decode_worker)
    : rules_(rules.empty() ? rules::enabled_only(rules::default_rules()) : std::move(rules)),
      decode_worker_(decode_worker) {
  reopen();
}

void PipelineHarness::reopen() {
  pipeline.reset();
  store.reset();
  store = std::move(state::Store::open(dir / "state").value());
  stream::PipelineOptions options;
  options.now = [this] { return now; };
  options.decode_worker = decode_worker_;
  options.outbox = keep_outbox;
  pipeline = std::move(stream::Pipeline::make(*store, rules_, options).value());
  for (auto partition : partitions) {
    auto position = store->partition_position("audit", partition).value();
    pipeline->clock().assign(state::Store::offset_key("audit", partition),
                             position ? position->time : 0);
  }
}

stream::BatchResult PipelineHarness::feed(const std::vector<std::string>& bodies, bool mute,
                                          std::int64_t first_offset, std::int32_t partition) {
  std::vector<stream::SourceMessage> messages;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    messages.push_back(
        {"audit", partition, first_offset + static_cast<std::int64_t>(i), 0, bodies[i], mute});
  }
  auto result = pipeline->process(messages);
  REQUIRE(result);
  return std::move(*result);
}

stream::BatchResult PipelineHarness::tick() {
  auto result = pipeline->tick();
  REQUIRE(result);
  return std::move(*result);
}

stream::BatchResult PipelineHarness::flush(stream::FlushScope scope) {
  auto result = pipeline->flush(scope);
  REQUIRE(result);
  return std::move(*result);
}

std::size_t PipelineHarness::count(state::Family family) {
  std::size_t n = 0;
  REQUIRE(store->scan(family, "", "", [&](auto, auto) { return ++n, true; }));
  return n;
}

std::vector<nlohmann::json> PipelineHarness::outbox() {
  std::vector<nlohmann::json> documents;
  REQUIRE(store->scan(state::Family::outbox, "", "", [&](auto, auto value) {
    documents.push_back(nlohmann::json::parse(value));
    return true;
  }));
  return documents;
}

}  // namespace support
