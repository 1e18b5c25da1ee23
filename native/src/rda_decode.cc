#include "rda_decode.h"

#include <algorithm>
#include <cstring>

namespace labscope {
namespace rda {
namespace {

// memcpy reads: the message bytes have no alignment guarantee. Host is little endian (x86/arm64).
template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::string str(uint64_t v) { return std::to_string(v); }

// Finds the NUL ending the string at p within [p, end); nullptr when there is none.
const uint8_t* nul_in(const uint8_t* p, const uint8_t* end) {
  return p < end ? static_cast<const uint8_t*>(std::memchr(p, 0, static_cast<size_t>(end - p))) : nullptr;
}

bool all_zero(const uint8_t* p, const uint8_t* end) {
  for (; p < end; ++p) {
    if (*p) return false;
  }
  return true;
}

// Message samples -> µV straight into ring slots. Racy stores by design (see ring.h).
// One frame per outer pass with restrict pointers, so the compiler vectorises the channel loop
// (no aliasing between message, slots and resolutions is possible).
template <class Sample>
LABSCOPE_SEQLOCK_RACY void scale_into(float* __restrict slots, const uint8_t* __restrict src, uint64_t samples, const float* __restrict res,
                                      uint32_t channels) {
  for (uint64_t f = 0; f < samples; f += channels) {
    float* __restrict out = slots + f;
    const uint8_t* __restrict in = src + f * sizeof(Sample);
    for (uint32_t c = 0; c < channels; ++c) {
      out[c] = static_cast<float>(load<Sample>(in + c * sizeof(Sample))) * res[c];
    }
  }
}

}  // namespace

int64_t message_size(const uint8_t* bytes, size_t len, std::string* error) {
  if (len < kHeaderSize) return -1;
  if (std::memcmp(bytes, kGuid, sizeof kGuid) != 0) {
    *error = "RDA message: unknown GUID";
    return -2;
  }
  const uint32_t size = load<uint32_t>(bytes + 16);
  if (size < kHeaderSize) {
    *error = "RDA message: nSize " + str(size) + " is smaller than the 24-byte header";
    return -2;
  }
  if (size > kMaxMessage) {
    *error = "RDA message: nSize " + str(size) + " exceeds the " + str(kMaxMessage) + "-byte limit";
    return -2;
  }
  return size;
}

Result Decoder::decode(const uint8_t* msg, size_t len, Ring* ring) {
  Result r;
  if (len < kHeaderSize) {
    r.error = "RDA message: " + str(len) + " bytes is shorter than the 24-byte header";
    return r;
  }
  if (message_size(msg, len, &r.error) < 0) return r;
  r.size = load<uint32_t>(msg + 16);
  r.type = load<uint32_t>(msg + 20);
  if (r.size != len) {
    r.error = "RDA message: nSize " + str(r.size) + " does not match the " + str(len) + " bytes given";
    return r;
  }
  switch (r.type) {
    case kStart:
      decode_start(msg, len, r);
      break;
    case kData16:
    case kData32:
      decode_data(msg, len, ring, r);
      break;
    case kStop:
      r.ok = true;
      break;
    default:
      r.skipped = true;
      r.ok = true;
  }
  return r;
}

void Decoder::decode_start(const uint8_t* msg, size_t len, Result& r) {
  const uint8_t* p = msg + kHeaderSize;
  const uint8_t* const end = msg + len;
  const auto fail = [&r](const std::string& what) { r.error = "RDA start message: " + what; };
  if (end - p < 12) return fail(str(end - p) + " bytes left, nChannels and dSamplingInterval need 12");
  r.channels = load<uint32_t>(p);
  r.interval_us = load<double>(p + 4);
  p += 12;
  if (r.channels == 0) return fail("nChannels is 0");
  if (r.channels > kMaxChannels) return fail("nChannels " + str(r.channels) + " exceeds " + str(kMaxChannels));
  if (uint64_t{r.channels} * 8 > static_cast<uint64_t>(end - p)) {
    return fail(str(r.channels) + " resolutions × 8 bytes overrun the message (" + str(end - p) + " bytes left)");
  }
  r.resolutions.resize(r.channels);
  for (uint32_t c = 0; c < r.channels; ++c, p += 8) r.resolutions[c] = load<double>(p);
  r.names.reserve(r.channels);
  for (uint32_t c = 0; c < r.channels; ++c) {
    const uint8_t* nul = nul_in(p, end);
    if (!nul) {
      if (p >= end) return fail("the message ends after " + str(c) + " of " + str(r.channels) + " channel names");
      return fail("channel name " + str(c + 1) + " has no NUL terminator");
    }
    r.names.push_back(cp1252_to_utf8(reinterpret_cast<const char*>(p), static_cast<size_t>(nul - p)));
    p = nul + 1;
  }
  // NUL padding is tolerated; anything else would be a name beyond nChannels.
  if (!all_zero(p, end)) return fail(str(end - p) + " bytes after the " + str(r.channels) + " channel names");
  resolutions_.assign(r.resolutions.begin(), r.resolutions.end());
  unit_resolutions_ = std::all_of(resolutions_.begin(), resolutions_.end(), [](float v) { return v == 1.0f; });
  r.ok = true;
}

void Decoder::decode_data(const uint8_t* msg, size_t len, Ring* ring, Result& r) {
  const uint8_t* p = msg + kHeaderSize;
  const uint8_t* const end = msg + len;
  const auto fail = [&r](const std::string& what) { r.error = "RDA data message: " + what; };
  if (!started()) {
    r.error = "RDA data message before a start message";
    return;
  }
  const uint32_t channels = this->channels();
  // RDA samples are int16 or float32 scaled by a float resolution: float32 holds them as well as
  // the amplifier's own float pipeline does, so this decoder writes float32 rings only. Checked
  // before anything else about the ring, so no frame of a message reaches the wrong kind.
  if (ring && !ring->holds<float>()) {
    return fail(std::string("ring holds ") + sample_type_name(ring->sample_type()) + " samples; RDA data is written to float32 rings only");
  }
  if (ring && ring->channels() != channels) {
    return fail("ring has " + str(ring->channels()) + " channels, the stream has " + str(channels));
  }
  if (end - p < 12) return fail(str(end - p) + " bytes left, nBlock, nPoints and nMarkers need 12");
  r.block = load<uint32_t>(p);
  r.points = load<uint32_t>(p + 4);
  const uint32_t n_markers = load<uint32_t>(p + 8);
  p += 12;
  const uint32_t sample_size = r.type == kData16 ? 2 : 4;
  const uint64_t data_bytes = uint64_t{r.points} * channels * sample_size;  // < 2^50: no overflow
  if (data_bytes > static_cast<uint64_t>(end - p)) {
    return fail(str(r.points) + " points × " + str(channels) + " channels × " + str(sample_size) + " bytes overrun the message (" +
                str(end - p) + " bytes left)");
  }
  const uint8_t* const samples = p;
  p += data_bytes;
  // Each marker takes at least 18 bytes, so a huge nMarkers fails on the first overrun below
  // instead of reserving memory for it.
  for (uint32_t m = 1; m <= n_markers; ++m) {
    const std::string which = "marker " + str(m) + " of " + str(n_markers);
    if (end - p < static_cast<ptrdiff_t>(kMarkerFixed + 2)) {
      return fail(which + " overruns the message (" + str(end - p) + " bytes left, 18 needed)");
    }
    const uint32_t size = load<uint32_t>(p);
    if (size < kMarkerFixed + 2) return fail(which + ": nSize " + str(size) + " is smaller than 18");
    if (size > static_cast<uint64_t>(end - p)) {
      return fail(which + ": nSize " + str(size) + " overruns the message (" + str(end - p) + " bytes left)");
    }
    const uint8_t* const mend = p + size;
    Marker mk;
    mk.position = load<uint32_t>(p + 4);
    mk.points = load<uint32_t>(p + 8);
    mk.channel = load<int32_t>(p + 12);
    const uint8_t* s = p + kMarkerFixed;
    const uint8_t* nul = nul_in(s, mend);
    if (!nul) return fail(which + ": type has no NUL terminator");
    mk.type = cp1252_to_utf8(reinterpret_cast<const char*>(s), static_cast<size_t>(nul - s));
    s = nul + 1;
    nul = nul_in(s, mend);
    if (!nul) return fail(which + ": description has no NUL terminator");
    mk.description = cp1252_to_utf8(reinterpret_cast<const char*>(s), static_cast<size_t>(nul - s));
    r.markers.push_back(std::move(mk));
    p = mend;
  }
  if (!all_zero(p, end)) return fail(str(end - p) + " bytes after the " + str(n_markers) + " markers");
  if (ring && r.points > 0) {
    const float* res = resolutions_.data();
    const size_t frame_bytes = size_t{channels} * sample_size;
    const auto fill = [&](float* slots, uint64_t first, uint64_t count) {
      const uint8_t* src = samples + first * frame_bytes;
      if (sample_size == 2) {
        scale_into<int16_t>(slots, src, count * channels, res, channels);
      } else if (unit_resolutions_) {
        // Servers that already send µV (resolution 1.0, the float32 port's usual case).
        seqlock_copy(slots, src, count * frame_bytes);
      } else {
        scale_into<float>(slots, src, count * channels, res, channels);
      }
    };
    if (ring->write_with<float>(r.points, fill) != Ring::Status::ok) {
      return fail("another thread is writing to the ring");
    }
  }
  r.ok = true;
}

std::string cp1252_to_utf8(const char* s, size_t n) {
  // 0x80..0x9F; the rest of the upper half equals Latin-1 (U+00A0..U+00FF). Eight a row.
  // clang-format off
  static const uint16_t k80[32] = {0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                   0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
                                   0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                   0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  // clang-format on
  std::string out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = static_cast<uint8_t>(s[i]);
    const uint32_t cp = b < 0x80 ? b : b < 0xA0 ? k80[b - 0x80] : b;
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

}  // namespace rda
}  // namespace labscope
