// The configuration files the docs show are promises: every ```yaml block
// in docs/*.md whose first line is `# rolewatch.yaml` is a whole
// configuration, and `rolewatch check-config` must accept it as written,
// with the environment and secret files the docs tell the operator to
// provide. A block that drifts from the binary fails here, naming the page.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/command.hpp"
#include "support/temp_dir.hpp"

using namespace support;

namespace {

struct DocBlock {
  std::string page;
  int line = 0;
  std::string text;
};

// The ```yaml blocks of `page` that start with "# rolewatch.yaml".
std::vector<DocBlock> config_blocks(const std::filesystem::path& page) {
  std::ifstream in(page);
  std::vector<DocBlock> blocks;
  std::string line;
  int number = 0;
  bool inside = false;
  DocBlock block;
  while (std::getline(in, line)) {
    ++number;
    if (!inside && line == "```yaml") {
      inside = true;
      block = DocBlock{page.filename().string(), number + 1, ""};
    } else if (inside && line == "```") {
      inside = false;
      if (block.text.rfind("# rolewatch.yaml\n", 0) == 0) blocks.push_back(block);
    } else if (inside) {
      block.text += line + "\n";
    }
  }
  return blocks;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

// The environment and secret files the docs name: Event Hubs connection
// string, client secret, webhook secret, the AKS webhook's variables.
std::string doc_environment(const std::filesystem::path& dir) {
  auto secrets = dir / "secrets";
  std::filesystem::create_directories(secrets);
  write_file(secrets / "eventhubs-connection-string",
             "Endpoint=sb://contoso-audit.servicebus.windows.net/;SharedAccessKeyName="
             "rolewatch-listen;SharedAccessKey=bm90LWEtcmVhbC1rZXk=\n");
  write_file(secrets / "client-secret", "not-a-real-client-secret\n");
  write_file(secrets / "webhook-secret", "whsec_V0VCSE9PSy1TM0NSRVQ=\n");
  write_file(dir / "federated-token", "eyJhbGciOiJSUzI1NiJ9.e30.sig\n");
  return "env ROLEWATCH_SECRETS_DIR=" + secrets.string() +
         " ROLEWATCH_STATE_DIR=" + (dir / "state").string() +
         " AZURE_TENANT_ID=11111111-2222-3333-4444-555555555555"
         " AZURE_CLIENT_ID=66666666-7777-8888-9999-000000000000"
         " AZURE_FEDERATED_TOKEN_FILE=" +
         (dir / "federated-token").string() + " ";
}

}  // namespace

TEST_CASE("the rolewatch configurations in docs/azure-onboarding.md load", "[docs]") {
  auto docs = std::filesystem::path(ROLEWATCH_SOURCE_DIR) / "docs";
  auto onboarding = config_blocks(docs / "azure-onboarding.md");
  // Connection string, client secret, workload identity, with Graph.
  REQUIRE(onboarding.size() >= 4);
}

TEST_CASE("every configuration a docs page shows as a whole file passes check-config", "[docs]") {
  TempDir dir;
  auto env = doc_environment(dir.path());
  int checked = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(ROLEWATCH_SOURCE_DIR) / "docs")) {
    if (entry.path().extension() != ".md") continue;
    for (const auto& block : config_blocks(entry.path())) {
      auto file = dir.path() / ("block-" + std::to_string(++checked) + ".yaml");
      write_file(file, block.text);
      auto result = run_shell(env + rolewatch_binary() + " check-config " + file.string());
      INFO(block.page << ":" << block.line << "\n" << result.err);
      CHECK(result.exit_code == 0);
    }
  }
  CHECK(checked >= 4);
}
