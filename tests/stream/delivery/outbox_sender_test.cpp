#include "stream/delivery/outbox_sender.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <fstream>
#include <set>
#include <thread>

#include "state/delivery_record.hpp"
#include "stream/ops/background_errors.hpp"
#include "stream/ops/metrics.hpp"
#include "support/delivery_fixtures.hpp"
#include "support/http_receiver.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

using namespace rolewatch;
using namespace rolewatch::stream;
using namespace std::chrono_literals;

namespace {

std::string id_for(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-5000-8000-%012d", n);
  return text;
}

// The webhook-id of an alert's first revision.
std::string first_revision_id(int n) {
  return id_for(n) + ".1";
}

std::unique_ptr<Sink> webhook(const support::HttpReceiver& receiver, const std::string& name = "",
                              const std::string& extra = "") {
  return support::sink_from_yaml("type: webhook\nurl: " + receiver.url() +
                                     "\nsecret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n" + extra,
                                 name);
}

std::unique_ptr<Sink> file_sink(const std::filesystem::path& path) {
  return support::sink_from_yaml("type: file\npath: " + path.string() + "\n");
}

std::vector<std::string> lines_of(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

SenderOptions fast_options() {
  SenderOptions options;
  options.backoff.initial = 20ms;
  options.backoff.max = 200ms;
  options.rescan_interval = 100ms;
  return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return condition();
}

std::set<std::string> ids_received(const support::HttpReceiver& receiver) {
  std::set<std::string> ids;
  for (const auto& request : receiver.requests()) ids.insert(request.header("webhook-id"));
  return ids;
}

std::optional<state::DeliveryRecord> record_of(state::Store& store, std::uint64_t sequence,
                                               const std::string& sink) {
  auto stored = store.get(state::Family::deliveries, state::delivery_key(sequence, sink));
  REQUIRE(stored);
  if (!stored->has_value()) return std::nullopt;
  return state::decode_delivery_record(**stored);
}

}  // namespace

TEST_CASE("an alert reaches every sink and leaves the outbox once all of them took it",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  auto alert = support::sample_alert(id_for(1));
  support::put_in_outbox(**store, 1, alert);
  OutboxSender sender(**store,
                      support::sinks_of(file_sink(dir / "alerts.jsonl"), webhook(receiver)));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 2);
  CHECK(summary->pending == 0);
  CHECK(lines_of(dir / "alerts.jsonl") == std::vector<std::string>{alert.dump()});
  CHECK(ids_received(receiver) == std::set<std::string>{first_revision_id(1)});
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
  CHECK(support::count_family(**store, state::Family::deliveries) == 0);
  CHECK(support::count_family(**store, state::Family::dead_letters) == 0);
}

TEST_CASE("a failing sink holds back neither the other sinks nor the caller", "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver failing;
  failing.set_fallback({500, "", {}, 300ms});  // slow and failing
  support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  OutboxSender sender(**store,
                      support::sinks_of(webhook(failing, "soar"), file_sink(dir / "a.jsonl")),
                      fast_options());
  REQUIRE(sender.start());
  auto started = std::chrono::steady_clock::now();
  support::put_in_outbox(**store, 2, support::sample_alert(id_for(2)));
  sender.notify();  // never blocks
  CHECK(std::chrono::steady_clock::now() - started < 50ms);
  CHECK(eventually([&] { return lines_of(dir / "a.jsonl").size() == 2; }, 3s));
  // The record follows the line by a moment (written, then marked).
  CHECK(eventually([&] {
    auto file_record = record_of(**store, 2, "file");
    return file_record && file_record->state == state::DeliveryState::delivered;
  }));
  CHECK(support::count_family(**store, state::Family::outbox) == 2);
  CHECK(sender.pending() == 2);
  sender.stop(std::chrono::steady_clock::now() + 2s);
}

TEST_CASE("waiting for delivery counts what was committed just before, not the last round's view",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  auto options = fast_options();
  options.rescan_interval = 10s;  // only a notify or the wait itself loads
  OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl")), options);
  // Not started: nothing will deliver, so the wait does not wait.
  auto before_start = std::chrono::steady_clock::now();
  CHECK(sender.wait_delivered(before_start + 5s) == 0);
  CHECK(std::chrono::steady_clock::now() - before_start < 1s);
  REQUIRE(sender.start());
  REQUIRE(sender.wait_delivered(std::chrono::steady_clock::now() + 5s) == 0);
  // Committed after the sender's last round: pending() cannot know yet.
  for (int i = 1; i <= 3; ++i) support::put_in_outbox(**store, i, support::sample_alert(id_for(i)));
  sender.notify();
  CHECK(sender.wait_delivered(std::chrono::steady_clock::now() + 5s) == 0);
  CHECK(lines_of(dir / "a.jsonl").size() == 3);
  // Nothing notified: the wait asks for a rescan itself.
  support::put_in_outbox(**store, 4, support::sample_alert(id_for(4)));
  CHECK(sender.wait_delivered(std::chrono::steady_clock::now() + 5s) == 0);
  CHECK(lines_of(dir / "a.jsonl").size() == 4);
  sender.stop(std::chrono::steady_clock::now() + 2s);
}

TEST_CASE("a wait for delivery to a receiver that is down ends at its deadline, or at a stop",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.down();
  OutboxSender sender(**store, support::sinks_of(webhook(receiver, "soar")), fast_options());
  REQUIRE(sender.start());
  support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  support::put_in_outbox(**store, 2, support::sample_alert(id_for(2)));
  auto started = std::chrono::steady_clock::now();
  SECTION("at the deadline, with the count still pending") {
    CHECK(sender.wait_delivered(started + 3s) == 2);
    CHECK(std::chrono::steady_clock::now() - started >= 3s);
    sender.stop(std::chrono::steady_clock::now() + 2s);
  }
  SECTION("at a stop from another thread, long before the deadline") {
    std::thread stopper([&] {
      std::this_thread::sleep_for(300ms);
      sender.stop(std::chrono::steady_clock::now() + 2s);
    });
    CHECK(sender.wait_delivered(started + 30s) >= 1);
    CHECK(std::chrono::steady_clock::now() - started < 20s);
    stopper.join();
  }
}

TEST_CASE("a receiver down for a while then up gets every alert, each with its stable id",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.down();
  Metrics metrics;
  auto options = fast_options();
  options.probe = &metrics.delivery();
  OutboxSender sender(**store, support::sinks_of(webhook(receiver, "soar")), options);
  REQUIRE(sender.start());
  for (int i = 1; i <= 20; ++i) {
    support::put_in_outbox(**store, i, support::sample_alert(id_for(i)));
    sender.notify();
  }
  std::this_thread::sleep_for(1500ms);
  CHECK(receiver.count() == 0);
  CHECK(sender.pending() == 20);
  CHECK(metrics.scrape().find("rolewatch_outbox_pending_alerts 20") != std::string::npos);
  receiver.up();
  REQUIRE(eventually([&] { return ids_received(receiver).size() == 20; }));
  std::set<std::string> expected;
  for (int i = 1; i <= 20; ++i) expected.insert(first_revision_id(i));
  CHECK(ids_received(receiver) == expected);
  CHECK(eventually([&] { return sender.pending() == 0; }));
  sender.stop(std::chrono::steady_clock::now() + 2s);
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
  auto text = metrics.scrape();
  CHECK(text.find("rolewatch_alert_deliveries_total{sink=\"soar\"} 20") != std::string::npos);
  CHECK(text.find("rolewatch_outbox_pending_alerts 0") != std::string::npos);
}

TEST_CASE("a restart resumes pending deliveries without repeating the ones already made",
          "[delivery]") {
  support::TempDir dir;
  support::HttpReceiver receiver;
  receiver.down();
  {
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    support::put_in_outbox(**store, 7, support::sample_alert(id_for(7)));
    OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl"), webhook(receiver)));
    auto summary = sender.drain_once();
    REQUIRE(summary);
    CHECK(summary->delivered == 1);
    CHECK(summary->failed == 1);
    CHECK(record_of(**store, 7, "webhook")->attempts == 1);
  }
  receiver.up();
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  OutboxSender sender(**store, support::sinks_of(file_sink(dir / "a.jsonl"), webhook(receiver)),
                      fast_options());
  REQUIRE(sender.start());
  REQUIRE(receiver.wait_for(1));
  CHECK(eventually([&] { return sender.pending() == 0; }));
  sender.stop(std::chrono::steady_clock::now() + 2s);
  CHECK(lines_of(dir / "a.jsonl").size() == 1);
  CHECK(ids_received(receiver) == std::set<std::string>{first_revision_id(7)});
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("an alert still undelivered at max_age moves to the dead letters and is counted",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.set_fallback({503});
  auto old = support::sample_alert(id_for(1), 3, std::chrono::system_clock::now() - 48h);
  support::put_in_outbox(**store, 1, old);
  support::put_in_outbox(**store, 2, support::sample_alert(id_for(2)));
  Metrics metrics;
  SenderOptions options;
  options.probe = &metrics.delivery();
  OutboxSender sender(
      **store, support::sinks_of(webhook(receiver, "soar"), file_sink(dir / "a.jsonl")), options);
  REQUIRE(sender.drain_once());
  auto dead = (*store)->get(state::Family::dead_letters, state::encode_be64(1));
  REQUIRE(dead);
  REQUIRE(dead->has_value());
  CHECK(nlohmann::json::parse(**dead) == old);
  CHECK_FALSE((*(*store)->get(state::Family::outbox, state::encode_be64(1))).has_value());
  CHECK((*(*store)->get(state::Family::outbox, state::encode_be64(2))).has_value());
  auto text = metrics.scrape();
  CHECK(text.find("rolewatch_dead_lettered_alerts_total 1") != std::string::npos);
  CHECK(text.find("rolewatch_alert_delivery_failures_total{reason=\"expired\",sink=\"soar\"} 1") !=
        std::string::npos);
}

TEST_CASE("an alert a receiver rejects for good is kept in the dead letters", "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.set_fallback({400, "{\"error\":\"bad payload\"}"});
  support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  OutboxSender sender(**store, support::sinks_of(webhook(receiver)));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->failed == 1);
  CHECK(summary->pending == 0);
  CHECK(support::count_family(**store, state::Family::dead_letters) == 1);
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("notify() makes the sender look at the outbox at once", "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  auto options = fast_options();
  options.rescan_interval = 30s;
  OutboxSender sender(**store, support::sinks_of(webhook(receiver)), options);
  REQUIRE(sender.start());
  std::this_thread::sleep_for(50ms);
  support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  sender.notify();
  CHECK(receiver.wait_for(1, 1s));
  sender.stop(std::chrono::steady_clock::now() + 2s);
}

TEST_CASE("no more requests than a sink's concurrency run at once", "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver receiver;
  receiver.set_fallback({200, "", {}, 150ms});
  for (int i = 1; i <= 8; ++i) support::put_in_outbox(**store, i, support::sample_alert(id_for(i)));
  OutboxSender sender(**store, support::sinks_of(webhook(receiver, "", "concurrency: 3\n")),
                      fast_options());
  REQUIRE(sender.start());
  REQUIRE(receiver.wait_for(8));
  CHECK(eventually([&] { return sender.pending() == 0; }));
  sender.stop(std::chrono::steady_clock::now() + 2s);
  CHECK(receiver.max_concurrent() == 3);
}

TEST_CASE("an Alertmanager alert is re-posted until it resolves, with the same endsAt",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver alertmanager;
  support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  auto sink = support::sink_from_yaml("type: alertmanager\nurl: " + alertmanager.url("") +
                                      "\nresend_interval: 1s\nactive_for: 3s\n");
  OutboxSender sender(**store, support::sinks_of(std::move(sink)), fast_options());
  REQUIRE(sender.start());
  REQUIRE(alertmanager.wait_for(3, 5s));
  CHECK(eventually([&] { return support::count_family(**store, state::Family::outbox) == 0; }, 3s));
  sender.stop(std::chrono::steady_clock::now() + 2s);
  auto posts = alertmanager.requests();
  CHECK(posts.size() == 3);  // at 0 s, 1 s and 2 s; resolved at 3 s
  for (const auto& post : posts) {
    CHECK(post.path == "/api/v2/alerts");
    CHECK(nlohmann::json::parse(post.body)[0]["endsAt"] ==
          nlohmann::json::parse(posts[0].body)[0]["endsAt"]);
  }
}

// Runs in a child process: delivers the outbox and dies between the
// receiver's answer and the delivery record, like a kill -9 at that moment.
TEST_CASE("crash child: dies between send and mark", "[.crash-child]") {
  auto store = state::Store::open(std::getenv("ROLEWATCH_CRASH_STATE"));
  REQUIRE(store);
  support::HttpReceiver unused;
  SenderOptions options;
  options.after_send = [](auto, auto&, auto&) { std::raise(SIGKILL); };
  auto sink = support::sink_from_yaml(std::string("type: webhook\nurl: ") +
                                      std::getenv("ROLEWATCH_CRASH_URL") +
                                      "\nsecret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n");
  OutboxSender sender(**store, support::sinks_of(std::move(sink)), options);
  (void)sender.drain_once();
}

TEST_CASE(
    "a crash between send and mark delivers the alert again with the same id, never losing it",
    "[delivery]") {
  support::TempDir dir;
  support::HttpReceiver receiver;
  {
    auto store = state::Store::open(dir / "state");
    REQUIRE(store);
    support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  }
  // The child's own environment: this process's, plus where to crash.
  std::vector<std::string> variables{"ROLEWATCH_CRASH_STATE=" + (dir / "state").string(),
                                     "ROLEWATCH_CRASH_URL=" + receiver.url()};
  std::vector<char*> envp;
  for (char** entry = environ; *entry != nullptr; ++entry) envp.push_back(*entry);
  for (auto& variable : variables) envp.push_back(variable.data());
  envp.push_back(nullptr);
  std::string self = std::filesystem::read_symlink("/proc/self/exe");
  std::vector<char*> argv{self.data(), const_cast<char*>("[.crash-child]"), nullptr};
  pid_t child = 0;
  REQUIRE(::posix_spawn(&child, self.c_str(), nullptr, nullptr, argv.data(), envp.data()) == 0);
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
  REQUIRE(receiver.count() == 1);

  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  CHECK(support::count_family(**store, state::Family::outbox) == 1);
  OutboxSender sender(**store, support::sinks_of(webhook(receiver)));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 1);
  auto got = receiver.requests();
  REQUIRE(got.size() == 2);
  CHECK(got[0].header("webhook-id") == first_revision_id(1));
  CHECK(got[1].header("webhook-id") == first_revision_id(1));
  CHECK(got[0].body == got[1].body);
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("a labelled activation goes only to the sinks configured to take activations",
          "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver soar;
  nlohmann::json activation = {{"schema", "rolewatch.activation.v1"},
                               {"auditId", "audit-activation-1"},
                               {"time", "2025-03-04T10:15:02.000000Z"}};
  support::put_in_outbox(**store, 1, activation);
  OutboxSender sender(
      **store, support::sinks_of(file_sink(dir / "alerts.jsonl"),
                                 webhook(soar, "soar", "activations: true\nformat: envelope\n")));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 1);
  CHECK(lines_of(dir / "alerts.jsonl").empty());
  REQUIRE(soar.requests().size() == 1);
  auto envelope = nlohmann::json::parse(soar.requests()[0].body);
  CHECK(envelope["type"] == "rolewatch.activation");
  CHECK(envelope["timestamp"] == "2025-03-04T10:15:02.000000Z");
  CHECK(soar.requests()[0].header("webhook-id") == "audit-activation-1");
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

TEST_CASE("an activation no sink takes leaves the outbox without a request", "[delivery]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::HttpReceiver soar;
  support::put_in_outbox(**store, 1,
                         {{"schema", "rolewatch.activation.v1"}, {"auditId", "audit-2"}});
  OutboxSender sender(**store, support::sinks_of(webhook(soar, "soar")));
  auto summary = sender.drain_once();
  REQUIRE(summary);
  CHECK(summary->delivered == 0);
  CHECK(soar.requests().empty());
  CHECK(support::count_family(**store, state::Family::outbox) == 0);
}

namespace {

// Throws on its first `throws` calls (a bug in a sink, a library's surprise), then takes alerts.
class ThrowingSink : public Sink {
 public:
  explicit ThrowingSink(int throws) : throws_(throws) {}
  const std::string& name() const override { return name_; }
  std::string_view type() const override { return "test"; }
  std::string describe() const override { return "throwing test sink"; }
  DeliveryOutcome deliver(const DeliveryRequest&) override {
    if (calls_++ < throws_) throw std::runtime_error("sink exploded");
    return DeliveryOutcome::ok(200);
  }
  int calls() const { return calls_; }

 private:
  std::string name_ = "throwing";
  int throws_;
  std::atomic<int> calls_{0};
};

}  // namespace

TEST_CASE("a sink that throws is caught, counted and retried until it takes the alert",
          "[delivery][background]") {
  support::TempDir dir;
  auto store = state::Store::open(dir / "state");
  REQUIRE(store);
  support::put_in_outbox(**store, 1, support::sample_alert(id_for(1)));
  Metrics metrics;
  auto options = fast_options();
  options.probe = &metrics.delivery();
  auto sink = std::make_unique<ThrowingSink>(2);
  auto* throwing = sink.get();
  auto before = background_errors(BackgroundThread::sender);
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::move(sink));
  OutboxSender sender(**store, std::move(sinks), options);
  REQUIRE(sender.start());
  // pending() reads 0 until the sender has loaded the outbox: wait for the calls too.
  CHECK(eventually([&] { return throwing->calls() >= 3 && sender.pending() == 0; }));
  CHECK(throwing->calls() == 3);
  CHECK(background_errors(BackgroundThread::sender) - before == 2);
  CHECK_THAT(metrics.scrape(),
             Catch::Contains("rolewatch_background_errors_total{thread=\"outbox_sender\"} 2"));
}
