// gzip_compress against the gzip command-line tool: what rolewatch
// compresses, an independent decoder restores byte for byte.
#include "state/net/gzip.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "support/command.hpp"
#include "support/temp_dir.hpp"

using namespace rolewatch;

namespace {

std::string gunzip_with_tool(const std::string& compressed) {
  support::TempDir dir;
  auto file = dir / "body.gz";
  std::ofstream(file, std::ios::binary) << compressed;
  auto out = dir / "body";
  auto result = support::run_shell("gzip -dc " + file.string() + " > " + out.string());
  REQUIRE(result.exit_code == 0);
  std::ifstream in(out, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("a gzip body decodes with the gzip tool to the exact bytes, and repetitive JSON shrinks",
          "[gzip]") {
  std::string json = "[";
  for (int i = 0; i < 2000; ++i) {
    json += std::string(i ? "," : "") + R"({"AlertId":"a-)" + std::to_string(i) +
            R"(","Removals":[{"role":"Global Administrator"}],"bytes":"\u0000\u00ff"})";
  }
  json += "]";
  json.push_back('\0');  // binary-safe
  auto compressed = state::gzip_compress(json);
  REQUIRE(compressed);
  CHECK(compressed->substr(0, 2) == "\x1f\x8b");
  CHECK(compressed->size() * 5 < json.size());
  CHECK(gunzip_with_tool(*compressed) == json);
}

TEST_CASE("an empty body is a valid empty gzip member", "[gzip]") {
  auto compressed = state::gzip_compress("");
  REQUIRE(compressed);
  CHECK(gunzip_with_tool(*compressed).empty());
}
