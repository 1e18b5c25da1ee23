// Min/max decimation of a ring range for scope drawing. Plain C++ (no N-API).
#pragma once

#include <cstdint>

#include "ring.h"

namespace labscope {

// Min/max of frames [start, end) in `buckets` equal buckets per channel, from a float32 or a
// float64 ring (compared in the ring's own type; out is float32 either way, for display):
// out[(c * buckets + b) * 2 + 0] = min, [... + 1] = max (out holds channels*buckets*2 floats).
// Buckets split the requested range, so they stay put when clamping trims its ends; the range
// is clamped to what the ring holds (the used range is empty, at start or end, when nothing of
// it is held) and buckets without frames get NaN. Frames the writer
// overwrites during the scan are dropped by moving the used start forward and rescanning only
// the buckets it touched. Returns Status::range when start > end or buckets == 0.
Ring::Status decimate_min_max(const Ring& ring, uint64_t start, uint64_t end, uint32_t buckets, float* out, uint64_t* used_start,
                              uint64_t* used_end);

// The same min/max over an interleaved array in memory (a page of a recorded file): frames
// [0, frames) of `channels` channels in `buckets` equal buckets, out laid out as above. Buckets
// without frames, or with only NaN samples, get NaN. Returns false when buckets == 0.
bool min_max_columns(const float* samples, uint64_t frames, uint32_t channels, uint32_t buckets, float* out);
bool min_max_columns(const double* samples, uint64_t frames, uint32_t channels, uint32_t buckets, float* out);

}  // namespace labscope
