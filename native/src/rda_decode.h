// BrainVision RDA (Remote Data Access) message decoding. Plain C++ (no N-API) so the fuzzer and
// the C++ tests drive it directly. All multi-byte fields are little endian; messages are packed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ring.h"

namespace labscope {
namespace rda {

constexpr uint8_t kGuid[16] = {0x8E, 0x45, 0x58, 0x43, 0x96, 0xC9, 0x86, 0x4C, 0xAF, 0x4A, 0x98, 0xBB, 0xF6, 0xC9, 0x14, 0x50};
constexpr size_t kHeaderSize = 24;           // GUID, uint32 nSize, uint32 nType
constexpr uint32_t kMaxMessage = 64u << 20;  // larger nSize is refused as corrupt
constexpr uint32_t kMaxChannels = 65535;
constexpr size_t kMarkerFixed = 16;  // nSize, nPosition, nPoints, nChannel

enum Type : uint32_t { kStart = 1, kData16 = 2, kStop = 3, kData32 = 4 };

// Size of the message whose header starts at bytes[0]: -1 when fewer than 24 bytes are given,
// -2 with *error set when the header is invalid (GUID, nSize < 24 or > kMaxMessage), else nSize.
int64_t message_size(const uint8_t* bytes, size_t len, std::string* error);

struct Marker {
  uint32_t position = 0;
  uint32_t points = 0;
  int32_t channel = 0;
  std::string type, description;  // UTF-8
};

struct Result {
  bool ok = false;
  std::string error;  // names the fault when !ok
  uint32_t type = 0, size = 0;
  bool skipped = false;  // unknown type
  // Start (1).
  uint32_t channels = 0;
  double interval_us = 0;  // as sent; values below 1 are seconds per PROTOCOLS, left to the caller
  std::vector<double> resolutions;
  std::vector<std::string> names;  // UTF-8 (sent as cp1252)
  // Data (2, 4).
  uint32_t block = 0, points = 0;
  std::vector<Marker> markers;
};

class Decoder {
 public:
  // Decodes one whole message. A data message is fully validated before any frame reaches
  // `ring` (which may be null to validate only); its channel count must match the stream's and
  // it must be a float32 ring (a float64 one is refused with an error naming both types).
  Result decode(const uint8_t* msg, size_t len, Ring* ring);
  bool started() const { return !resolutions_.empty(); }
  uint32_t channels() const { return static_cast<uint32_t>(resolutions_.size()); }

 private:
  void decode_start(const uint8_t* msg, size_t len, Result& r);
  void decode_data(const uint8_t* msg, size_t len, Ring* ring, Result& r);
  std::vector<float> resolutions_;  // µV per unit, per channel; empty until a start message
  bool unit_resolutions_ = false;   // all 1.0: float32 data is already µV and is copied as is
};

// cp1252 bytes to UTF-8; the five undefined bytes map to U+0081 etc. like WHATWG's decoder.
std::string cp1252_to_utf8(const char* s, size_t n);

}  // namespace rda
}  // namespace labscope
