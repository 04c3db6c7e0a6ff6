// What the embedded broker keeps, as docs/live-stream-and-recovery.md says:
// the newest 5 MiB of record batches per partition; older messages are
// deleted and the partition's low watermark moves up. Measured with one
// message per batch, so batches and messages are the same thing here.
#include "stream/source/kafka/embedded_broker.hpp"

#include <librdkafka/rdkafkacpp.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "support/kafka_harness.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch::stream;

namespace {

constexpr std::size_t kValueBytes = 100 * 1024;

struct Watermarks {
  std::int64_t low = -1;
  std::int64_t high = -1;
};

// Produces `count` messages of kValueBytes to partition 0, one batch each.
Watermarks produce_and_measure(const std::string& bootstrap, int count) {
  std::string error;
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  REQUIRE(conf->set("bootstrap.servers", bootstrap, error) == RdKafka::Conf::CONF_OK);
  REQUIRE(conf->set("batch.num.messages", "1", error) == RdKafka::Conf::CONF_OK);
  REQUIRE(conf->set("linger.ms", "0", error) == RdKafka::Conf::CONF_OK);
  std::unique_ptr<RdKafka::Producer> producer(RdKafka::Producer::create(conf.get(), error));
  REQUIRE(producer);
  const std::string value(kValueBytes, 'x');
  for (int i = 0; i < count; ++i) {
    auto err =
        producer->produce("t", 0, RdKafka::Producer::RK_MSG_COPY, const_cast<char*>(value.data()),
                          value.size(), nullptr, 0, 0, nullptr);
    REQUIRE(err == RdKafka::ERR_NO_ERROR);
    producer->flush(10000);  // one request, one batch, per message
  }
  Watermarks marks;
  REQUIRE(producer->query_watermark_offsets("t", 0, &marks.low, &marks.high, 10000) ==
          RdKafka::ERR_NO_ERROR);
  return marks;
}

}  // namespace

TEST_CASE("the embedded broker keeps the newest 5 MiB of each partition and deletes older messages",
          "[kafka][broker]") {
  auto broker = EmbeddedBroker::start("t", 1);
  REQUIRE(broker);
  // 4 MB: everything is kept.
  auto small = produce_and_measure((*broker)->bootstrap(), 40);
  CHECK(small.low == 0);
  CHECK(small.high == 40);
  // 10 MB more: the oldest go, what is left fits in 5 MiB.
  auto large = produce_and_measure((*broker)->bootstrap(), 100);
  CHECK(large.high == 140);
  CHECK(large.low > 0);
  const auto kept = static_cast<std::size_t>(large.high - large.low);
  CHECK(kept * kValueBytes <= kEmbeddedRetentionBytes);
  CHECK((kept + 2) * kValueBytes > kEmbeddedRetentionBytes);  // and not much less
  CHECK(embedded_retention_text().find("5 MiB") != std::string::npos);
}

TEST_CASE("rolewatch broker says at start how much it keeps", "[kafka][broker]") {
  support::TempDir dir;
  std::string log;
  {
    support::BrokerProcess broker(1, "t", dir / "broker.log");
    CHECK_THAT(broker.bootstrap(), Catch::StartsWith("127.0.0.1:"));
    for (int i = 0; i < 100 && log.find("embedded broker: ") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      log = support::read_text(dir / "broker.log");
    }
  }
  CHECK_THAT(log, Catch::Contains("embedded broker: " + embedded_retention_text()));
}
