#include "decimate.h"

#include <cmath>
#include <limits>
#include <vector>

namespace labscope {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Per-call scratch. Interleaved frames are folded K at a time into W = K*channels lanes so the
// inner loop is a plain element-wise min/max over >= 16 samples, which compilers vectorise for
// any channel count (a per-channel reduction would not vectorise without -ffast-math).
// T is the ring's element type: a float64 ring is compared in double and only the bucket's
// min and max are narrowed to float for display, so two values float32 cannot tell apart are
// still ordered correctly (rounding is monotonic, so min then round == round then min).
template <class T>
struct Accumulator {
  static constexpr T kInf = std::numeric_limits<T>::infinity();
  uint32_t channels, per_row, width;
  std::vector<T> lane_min, lane_max, ch_min, ch_max;

  explicit Accumulator(uint32_t c)
      : channels(c), per_row(c >= 16 ? 1 : (16 + c - 1) / c), width(per_row * c), lane_min(width), lane_max(width), ch_min(c), ch_max(c) {}

  void reset() {
    std::fill(lane_min.begin(), lane_min.end(), kInf);
    std::fill(lane_max.begin(), lane_max.end(), -kInf);
    std::fill(ch_min.begin(), ch_min.end(), kInf);
    std::fill(ch_max.begin(), ch_max.end(), -kInf);
  }

  // `v < m ? v : m` (not std::min) maps to minps and skips NaN samples instead of spreading them.
  LABSCOPE_SEQLOCK_RACY void add(const T* p, uint64_t frames) {
    T* __restrict lmin = lane_min.data();
    T* __restrict lmax = lane_max.data();
    const uint32_t w = width;
    const uint64_t rows = frames / per_row;
    for (uint64_t r = 0; r < rows; ++r, p += w) {
      for (uint32_t i = 0; i < w; ++i) {
        const T v = p[i];
        lmin[i] = v < lmin[i] ? v : lmin[i];
        lmax[i] = v > lmax[i] ? v : lmax[i];
      }
    }
    for (uint64_t f = rows * per_row; f < frames; ++f, p += channels) {
      for (uint32_t c = 0; c < channels; ++c) {
        const T v = p[c];
        ch_min[c] = v < ch_min[c] ? v : ch_min[c];
        ch_max[c] = v > ch_max[c] ? v : ch_max[c];
      }
    }
  }

  void store(float* out, uint32_t buckets, uint32_t b) {
    for (uint32_t k = 0; k < per_row; ++k) {
      for (uint32_t c = 0; c < channels; ++c) {
        ch_min[c] = std::min(ch_min[c], lane_min[k * channels + c]);
        ch_max[c] = std::max(ch_max[c], lane_max[k * channels + c]);
      }
    }
    for (uint32_t c = 0; c < channels; ++c) {
      float* o = out + (uint64_t{c} * buckets + b) * 2;
      const bool empty = ch_min[c] > ch_max[c];  // no frames, or only NaN samples
      // Narrowing a double beyond float's range gives +-inf (IEEE 754), which draws as clipped.
      o[0] = empty ? kNaN : static_cast<float>(ch_min[c]);
      o[1] = empty ? kNaN : static_cast<float>(ch_max[c]);
    }
  }
};

struct Buckets {
  uint64_t start, len;
  uint32_t count;
  uint64_t first(uint32_t b) const { return start + static_cast<uint64_t>(static_cast<unsigned __int128>(b) * len / count); }
  // The last bucket whose first frame is <= f (empty buckets share a first frame with the next).
  uint32_t of(uint64_t f) const {
    const unsigned __int128 x = f - start;
    return static_cast<uint32_t>(((x + 1) * count - 1) / len);
  }
};

// Recomputes buckets [b0, b1] over their frames within [from, to).
template <class T>
void scan(const Ring& ring, const Buckets& bk, uint32_t b0, uint32_t b1, uint64_t from, uint64_t to, Accumulator<T>& acc, float* out) {
  for (uint32_t b = b0; b <= b1; ++b) {
    acc.reset();
    uint64_t f = std::max(bk.first(b), from);
    const uint64_t e = std::min(b + 1 < bk.count ? bk.first(b + 1) : bk.start + bk.len, to);
    while (f < e) {
      const uint64_t at = f % ring.capacity();
      const uint64_t run = std::min(ring.capacity() - at, e - f);
      acc.add(ring.slot<T>(f), run);
      f += run;
    }
    acc.store(out, bk.count, b);
  }
}

template <class T>
Ring::Status decimate_typed(const Ring& ring, uint64_t start, uint64_t end, uint32_t buckets, float* out, uint64_t* used_start,
                            uint64_t* used_end) {
  // written() (acquire) before held_from(): claimed_ >= the written value we saw, so held <= w
  // unless a single write larger than the ring is in flight (then nothing is readable).
  const uint64_t w = ring.written();
  const uint64_t held = std::min(ring.held_from(), w);
  // The used range stays inside the request: [end, end) when all of it was overwritten,
  // [start, start) when none of it is written yet.
  uint64_t lo = std::min(std::max(start, held), end);
  const uint64_t hi = std::max(std::min(end, w), lo);
  *used_end = hi;
  if (lo == hi) {
    *used_start = lo;
    return Ring::Status::ok;
  }
  const Buckets bk{start, end - start, buckets};
  Accumulator<T> acc(ring.channels());
  uint32_t b0 = bk.of(lo);
  const uint32_t last = bk.of(hi - 1);
  uint32_t b1 = last;
  for (;;) {
    scan(ring, bk, b0, b1, lo, hi, acc, out);
    if (lo == hi || ring.still_intact(lo)) break;  // lo == hi: nothing left that was read
    // The writer lapped into [lo, ...) while we scanned: only the buckets from lo's up to the new
    // oldest frame's can hold torn values. The rescan is as short as the writer's progress, so
    // this converges instead of restarting the whole (possibly huge) scan.
    const uint64_t fresh = std::min(std::max(ring.held_from(), lo), hi);
    b0 = bk.of(lo);
    b1 = fresh < hi ? bk.of(fresh) : last;
    lo = fresh;
  }
  *used_start = lo;
  return Ring::Status::ok;
}

template <class T>
bool columns_typed(const T* samples, uint64_t frames, uint32_t channels, uint32_t buckets, float* out) {
  if (buckets == 0 || channels == 0) return buckets != 0;
  const Buckets bk{0, frames, buckets};
  Accumulator<T> acc(channels);
  for (uint32_t b = 0; b < buckets; ++b) {
    acc.reset();
    const uint64_t f = bk.first(b);
    const uint64_t e = b + 1 < buckets ? bk.first(b + 1) : frames;
    acc.add(samples + f * channels, e - f);
    acc.store(out, buckets, b);
  }
  return true;
}

}  // namespace

bool min_max_columns(const float* samples, uint64_t frames, uint32_t channels, uint32_t buckets, float* out) {
  return columns_typed(samples, frames, channels, buckets, out);
}
bool min_max_columns(const double* samples, uint64_t frames, uint32_t channels, uint32_t buckets, float* out) {
  return columns_typed(samples, frames, channels, buckets, out);
}

Ring::Status decimate_min_max(const Ring& ring, uint64_t start, uint64_t end, uint32_t buckets, float* out, uint64_t* used_start,
                              uint64_t* used_end) {
  if (start > end || buckets == 0) return Ring::Status::range;
  std::fill(out, out + uint64_t{ring.channels()} * buckets * 2, kNaN);
  // One type check per call; the scan itself is instantiated per element type.
  return ring.holds<double>() ? decimate_typed<double>(ring, start, end, buckets, out, used_start, used_end)
                              : decimate_typed<float>(ring, start, end, buckets, out, used_start, used_end);
}

}  // namespace labscope
