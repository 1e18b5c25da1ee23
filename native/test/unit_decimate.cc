#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "check.h"
#include "decimate.h"

using labscope::Ring;

namespace {

// Straightforward reference: same bucket split, std::min/max, NaN samples skipped.
std::vector<float> naive(const Ring& r, uint64_t start, uint64_t end, uint32_t buckets, uint64_t lo, uint64_t hi) {
  const uint32_t ch = r.channels();
  std::vector<float> out(size_t{ch} * buckets * 2, std::nanf(""));
  for (uint32_t b = 0; b < buckets; ++b) {
    const uint64_t b0 = start + (end - start) * b / buckets, b1 = start + (end - start) * (b + 1) / buckets;
    for (uint32_t c = 0; c < ch; ++c) {
      float mn = std::numeric_limits<float>::infinity(), mx = -mn;
      for (uint64_t f = std::max(b0, lo); f < std::min(b1, hi); ++f) {
        const float v = r.slot(f)[c];
        if (std::isnan(v)) continue;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      if (mn <= mx) {
        out[(size_t{c} * buckets + b) * 2] = mn;
        out[(size_t{c} * buckets + b) * 2 + 1] = mx;
      }
    }
  }
  return out;
}

bool same(const std::vector<float>& a, const std::vector<float>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  }
  return true;
}

}  // namespace

TEST(decimate_matches_naive) {
  std::mt19937_64 rng(42);
  for (uint32_t ch : {1u, 2u, 3u, 5u, 16u, 17u, 40u}) {
    Ring r(ch, 1000);
    std::vector<float> in(size_t{2500} * ch);
    std::uniform_real_distribution<float> u(-1000, 1000);
    for (float& v : in) v = u(rng);
    in[7 * ch] = std::nanf("");  // NaN samples are skipped, not propagated
    r.write(in.data(), 2500);    // wraps: holds 1500..2499
    for (int trial = 0; trial < 40; ++trial) {
      uint64_t a = rng() % 2700, b = rng() % 2700;
      if (a > b) std::swap(a, b);
      const uint32_t buckets = trial % 5 == 0 ? 1 : 1 + static_cast<uint32_t>(rng() % 700);
      std::vector<float> out(size_t{ch} * buckets * 2);
      uint64_t lo = 0, hi = 0;
      CHECK(labscope::decimate_min_max(r, a, b, buckets, out.data(), &lo, &hi) == Ring::Status::ok);
      const uint64_t want_lo = std::min<uint64_t>(std::max<uint64_t>(a, 1500), b);
      CHECK_EQ(lo, want_lo);
      CHECK_EQ(hi, std::max<uint64_t>(std::min<uint64_t>(b, 2500), want_lo));
      if (!same(out, naive(r, a, b, buckets, lo, hi))) {
        check::fail(__FILE__, __LINE__,
                    "mismatch: ch " + std::to_string(ch) + " [" + std::to_string(a) + ", " + std::to_string(b) + ") buckets " +
                        std::to_string(buckets));
      }
    }
  }
}

TEST(decimate_empty_and_invalid) {
  Ring r(2, 10);
  std::vector<float> in(40, 1.0f);
  in[1] = std::nanf("");
  r.write(in.data(), 20);  // holds 10..19; channel 1 of frame 0 was NaN but is gone
  std::vector<float> out(2 * 4 * 2, 0.0f);
  uint64_t lo, hi;
  CHECK(labscope::decimate_min_max(r, 0, 5, 4, out.data(), &lo, &hi) == Ring::Status::ok);
  CHECK_EQ(lo, 5u);  // all overwritten: empty at the request's end
  CHECK_EQ(hi, 5u);
  for (float v : out) CHECK(std::isnan(v));
  CHECK(labscope::decimate_min_max(r, 25, 30, 4, out.data(), &lo, &hi) == Ring::Status::ok);
  CHECK_EQ(lo, 25u);  // none written yet: empty at the request's start
  CHECK_EQ(hi, 25u);
  CHECK(labscope::decimate_min_max(r, 5, 4, 4, out.data(), &lo, &hi) == Ring::Status::range);
  CHECK(labscope::decimate_min_max(r, 4, 5, 0, out.data(), &lo, &hi) == Ring::Status::range);
  // More buckets than frames: the empty ones are NaN.
  CHECK(labscope::decimate_min_max(r, 18, 20, 4, out.data(), &lo, &hi) == Ring::Status::ok);
  CHECK(std::isnan(out[0]) && out[2] == 1.0f && std::isnan(out[4]) && out[6] == 1.0f);
}

TEST(decimate_all_nan_bucket_is_nan) {
  Ring r(1, 8);
  std::vector<float> in(4, std::nanf(""));
  r.write(in.data(), 4);
  std::vector<float> out(2);
  uint64_t lo, hi;
  labscope::decimate_min_max(r, 0, 4, 1, out.data(), &lo, &hi);
  CHECK(std::isnan(out[0]) && std::isnan(out[1]));
}

namespace {

// The reference for a float64 ring: min/max in double, then rounded to float for display.
std::vector<float> naive64(const Ring& r, uint64_t start, uint64_t end, uint32_t buckets, uint64_t lo, uint64_t hi) {
  const uint32_t ch = r.channels();
  std::vector<float> out(size_t{ch} * buckets * 2, std::nanf(""));
  for (uint32_t b = 0; b < buckets; ++b) {
    const uint64_t b0 = start + (end - start) * b / buckets, b1 = start + (end - start) * (b + 1) / buckets;
    for (uint32_t c = 0; c < ch; ++c) {
      double mn = std::numeric_limits<double>::infinity(), mx = -mn;
      for (uint64_t f = std::max(b0, lo); f < std::min(b1, hi); ++f) {
        const double v = r.slot<double>(f)[c];
        if (std::isnan(v)) continue;
        mn = std::min(mn, v);
        mx = std::max(mx, v);
      }
      if (mn <= mx) {
        out[(size_t{c} * buckets + b) * 2] = static_cast<float>(mn);
        out[(size_t{c} * buckets + b) * 2 + 1] = static_cast<float>(mx);
      }
    }
  }
  return out;
}

}  // namespace

TEST(decimate_float64_matches_naive) {
  std::mt19937_64 rng(43);
  for (uint32_t ch : {1u, 3u, 8u, 17u}) {
    Ring r(ch, 1000, labscope::SampleType::float64);
    std::vector<double> in(size_t{2500} * ch);
    // Around 2^31, where neighbouring int32/uint32 values are one float32 step apart or less.
    std::uniform_int_distribution<int64_t> u(2147483000LL, 2147484000LL);
    for (double& v : in) v = static_cast<double>(u(rng));
    in[9 * ch] = std::nan("");
    r.write(in.data(), 2500);  // holds 1500..2499
    for (int trial = 0; trial < 30; ++trial) {
      uint64_t a = rng() % 2700, b = rng() % 2700;
      if (a > b) std::swap(a, b);
      const uint32_t buckets = 1 + static_cast<uint32_t>(rng() % 400);
      std::vector<float> out(size_t{ch} * buckets * 2);
      uint64_t lo = 0, hi = 0;
      CHECK(labscope::decimate_min_max(r, a, b, buckets, out.data(), &lo, &hi) == Ring::Status::ok);
      CHECK_EQ(lo, std::min<uint64_t>(std::max<uint64_t>(a, 1500), b));
      if (!same(out, naive64(r, a, b, buckets, lo, hi))) {
        check::fail(__FILE__, __LINE__,
                    "float64 mismatch: ch " + std::to_string(ch) + " [" + std::to_string(a) + ", " + std::to_string(b) + ")");
      }
    }
  }
}

TEST(decimate_float64_compares_in_double) {
  // 2^24 + 1 and 2^24 round to the same float: compared as floats either could be the max, in
  // double the max is 2^24 + 1 (shown as 2^24). Beyond float's range a bucket shows +-inf.
  Ring r(1, 8, labscope::SampleType::float64);
  const double in[6] = {16777217.0, 16777216.0, 16777215.0, -1e300, 1e300, 0.5};
  r.write(in, 6);
  std::vector<float> out(3 * 2);
  uint64_t lo, hi;
  CHECK(labscope::decimate_min_max(r, 0, 6, 3, out.data(), &lo, &hi) == Ring::Status::ok);
  CHECK_EQ(out[0], 16777216.0f);  // min of 2^24+1, 2^24
  CHECK_EQ(out[1], 16777216.0f);
  CHECK_EQ(out[2], -std::numeric_limits<float>::infinity());  // min of 2^24-1, -1e300
  CHECK_EQ(out[3], 16777215.0f);
  CHECK_EQ(out[4], 0.5f);
  CHECK_EQ(out[5], std::numeric_limits<float>::infinity());
}

TEST(min_max_columns_matches_naive_over_an_array) {
  // The same buckets as the ring decimator over the same frames, from an array instead of a ring
  // (a page of a recorded file), float32 and float64 alike, NaN samples skipped.
  std::mt19937_64 rng(7);
  for (uint32_t ch : {1u, 3u, 16u, 17u, 64u}) {
    for (uint64_t frames : {1u, 5u, 999u, 4096u}) {
      std::vector<float> in(frames * ch);
      std::uniform_real_distribution<float> u(-1000, 1000);
      for (float& v : in) v = u(rng);
      in[(frames / 2) * ch] = std::nanf("");
      Ring r(ch, frames);
      r.write(in.data(), frames);
      const std::vector<double> in64(in.begin(), in.end());
      for (uint32_t buckets : {1u, 7u, 64u, 5000u}) {
        const std::vector<float> want = naive(r, 0, frames, buckets, 0, frames);
        std::vector<float> out(size_t{ch} * buckets * 2, 123.f);
        CHECK(labscope::min_max_columns(in.data(), frames, ch, buckets, out.data()));
        if (!same(out, want))
          check::fail(__FILE__, __LINE__, "float32 array: ch " + std::to_string(ch) + " buckets " + std::to_string(buckets));
        std::fill(out.begin(), out.end(), 123.f);
        CHECK(labscope::min_max_columns(in64.data(), frames, ch, buckets, out.data()));
        if (!same(out, want))
          check::fail(__FILE__, __LINE__, "float64 array: ch " + std::to_string(ch) + " buckets " + std::to_string(buckets));
      }
    }
  }
  std::vector<float> out(2);
  const float one = 1.f;
  CHECK(!labscope::min_max_columns(&one, 1, 1, 0, out.data()));
}
