// libFuzzer target for the RDA decoder. The input is split into messages with message_size()
// (as the TCP reader does); each one is copied into an exact-size heap block so ASan sees any
// read past the message, then decoded into a ring sized for the current stream.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "rda_decode.h"

using labscope::Ring;
namespace rda = labscope::rda;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  rda::Decoder decoder;
  std::unique_ptr<Ring> ring;
  std::vector<double> res;
  size_t off = 0;
  while (off < size) {
    std::string error;
    const int64_t n = rda::message_size(data + off, size - off, &error);
    // Invalid or short headers are still fed to decode() once, whole remainder, then we stop.
    const size_t take = n > 0 && static_cast<uint64_t>(n) <= size - off ? static_cast<size_t>(n) : size - off;
    std::unique_ptr<uint8_t[]> msg(new uint8_t[take ? take : 1]);
    std::memcpy(msg.get(), data + off, take);
    // Small streams get a small ring (wraps often); big ones are validated without storing.
    if (decoder.started() && decoder.channels() <= 64 && (!ring || ring->channels() != decoder.channels())) {
      ring.reset(new Ring(decoder.channels(), 37));
    }
    Ring* target = decoder.started() && decoder.channels() <= 64 ? ring.get() : nullptr;
    const uint64_t before = target ? target->written() : 0;
    const rda::Result r = decoder.decode(msg.get(), take, target);
    require(r.ok == r.error.empty());
    if (!r.ok) {
      require(!target || target->written() == before);  // failures never touch the ring
      if (n <= 0 || static_cast<uint64_t>(n) > size - off) break;
    } else if (r.type == rda::kStart) {
      require(r.channels == decoder.channels() && r.names.size() == r.channels);
      res = r.resolutions;
    } else if ((r.type == rda::kData16 || r.type == rda::kData32) && target) {
      require(target->written() == before + r.points);
      if (r.points > 0) {
        // The last frame in the ring must be the message's last point, scaled.
        const uint32_t ch = target->channels(), ss = r.type == rda::kData16 ? 2 : 4;
        const uint8_t* last = msg.get() + 36 + (uint64_t{r.points} - 1) * ch * ss;
        const float* slots = target->slot(target->written() - 1);
        for (uint32_t c = 0; c < ch; ++c) {
          float v;
          if (ss == 2) {
            int16_t s;
            std::memcpy(&s, last + c * 2, 2);
            v = static_cast<float>(s);
          } else {
            std::memcpy(&v, last + c * 4, 4);
          }
          const float want = v * static_cast<float>(res[c]);
          require(slots[c] == want || (std::isnan(slots[c]) && std::isnan(want)));
        }
      }
    }
    off += take;
  }
  return 0;
}
