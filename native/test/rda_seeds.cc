// Writes the RDA fuzzer's seed corpus: realistic message streams (start, data, markers, stop,
// unknown types) concatenated the way the fuzzer splits them. Usage: rda_seeds <dir>
#include <cstdio>
#include <string>
#include <vector>

#include "rda_builder.h"

using rdatest::Bytes;

namespace {

Bytes cat(const std::vector<Bytes>& parts) {
  Bytes all;
  for (const Bytes& p : parts) all.insert(all.end(), p.begin(), p.end());
  return all;
}

bool save(const std::string& dir, const std::string& name, const Bytes& b) {
  FILE* f = std::fopen((dir + "/" + name).c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(b.data(), 1, b.size(), f) == b.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rda_seeds <dir>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const auto wave = [](uint32_t p, uint32_t c) { return int((p * 37 + c * 101) % 2000) - 1000; };
  const Bytes start4 = rdatest::start({0.1, 0.1, 0.5, 1}, {"Fp1", "Fp2", "C\xE4", "EOG"}, 2000);
  const Bytes start1 = rdatest::start({1}, {"X"}, 0.001);
  const std::vector<std::pair<std::string, Bytes>> seeds = {
      {"int16_stream",
       cat({start4, rdatest::data<int16_t>(0, 20, 4, wave), rdatest::data<int16_t>(1, 20, 4, wave), rdatest::message(3, {})})},
      {"float32_markers",
       cat({start4, rdatest::data<float>(0, 10, 4, wave, {{0, 1, -1, "Stimulus", "S  1"}, {3, 2, 1, "Comment", "\x80"}})})},
      {"unknown_types",
       cat({start1, rdatest::message(10000, Bytes(6, 1)), rdatest::message(5, {}), rdatest::data<int16_t>(9, 3, 1, wave)})},
      {"restart", cat({start4, rdatest::data<int16_t>(0, 2, 4, wave), start1, rdatest::data<float>(1, 2, 1, wave)})},
      {"start_only", start4},
  };
  for (const auto& s : seeds) {
    if (!save(dir, s.first, s.second)) {
      std::perror(("rda_seeds: " + dir + "/" + s.first).c_str());
      return 1;
    }
  }
  return 0;
}
