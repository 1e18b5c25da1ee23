// Builds RDA wire messages for the tests, the fuzzer checks and the seed corpus.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "rda_decode.h"

namespace rdatest {

using Bytes = std::vector<uint8_t>;

template <class T>
void put(Bytes& b, T v) {
  uint8_t raw[sizeof v];
  std::memcpy(raw, &v, sizeof v);
  b.insert(b.end(), raw, raw + sizeof v);
}

inline void put_str(Bytes& b, const std::string& s) {
  b.insert(b.end(), s.begin(), s.end());
  b.push_back(0);
}

// Header (GUID, nSize = 24 + body, type) + body; `size_override` forges nSize.
inline Bytes message(uint32_t type, const Bytes& body, int64_t size_override = -1) {
  Bytes m(labscope::rda::kGuid, labscope::rda::kGuid + 16);
  put<uint32_t>(m, size_override >= 0 ? static_cast<uint32_t>(size_override) : static_cast<uint32_t>(24 + body.size()));
  put<uint32_t>(m, type);
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

// Names are raw cp1252 bytes.
inline Bytes start(const std::vector<double>& res, const std::vector<std::string>& names, double interval_us = 1000) {
  Bytes b;
  put<uint32_t>(b, static_cast<uint32_t>(res.size()));
  put<double>(b, interval_us);
  for (double r : res) put<double>(b, r);
  for (const std::string& n : names) put_str(b, n);
  return message(labscope::rda::kStart, b);
}

struct MarkerSpec {
  uint32_t position, points;
  int32_t channel;
  std::string type, description;
};

inline Bytes marker(const MarkerSpec& m) {
  Bytes b;
  put<uint32_t>(b, static_cast<uint32_t>(16 + m.type.size() + 1 + m.description.size() + 1));
  put<uint32_t>(b, m.position);
  put<uint32_t>(b, m.points);
  put<int32_t>(b, m.channel);
  put_str(b, m.type);
  put_str(b, m.description);
  return b;
}

// Sample (p, c) is value(p, c); Sample is int16_t (type 2) or float (type 4).
template <class Sample, class Value>
Bytes data(uint32_t block, uint32_t points, uint32_t channels, Value value, const std::vector<MarkerSpec>& markers = {}) {
  Bytes b;
  put<uint32_t>(b, block);
  put<uint32_t>(b, points);
  put<uint32_t>(b, static_cast<uint32_t>(markers.size()));
  for (uint32_t p = 0; p < points; ++p) {
    for (uint32_t c = 0; c < channels; ++c) put<Sample>(b, static_cast<Sample>(value(p, c)));
  }
  for (const MarkerSpec& m : markers) {
    const Bytes mb = marker(m);
    b.insert(b.end(), mb.begin(), mb.end());
  }
  return message(sizeof(Sample) == 2 ? labscope::rda::kData16 : labscope::rda::kData32, b);
}

}  // namespace rdatest
