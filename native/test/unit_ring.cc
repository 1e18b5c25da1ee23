#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.h"
#include "ring.h"

using labscope::Ring;
using S = Ring::Status;

namespace {

// Frame f, channel c holds f * 10 + c: any misplaced frame or channel shows.
std::vector<float> frames(uint64_t first, uint64_t n, uint32_t ch) {
  std::vector<float> v;
  for (uint64_t f = first; f < first + n; ++f) {
    for (uint32_t c = 0; c < ch; ++c) v.push_back(static_cast<float>(f * 10 + c));
  }
  return v;
}

template <class F>
bool throws(F f) {
  try {
    f();
  } catch (const std::exception&) {
    return true;
  }
  return false;
}

}  // namespace

TEST(ring_rejects_bad_shapes) {
  CHECK(throws([] { Ring r(0, 8); }));
  CHECK(throws([] { Ring r(1, 0); }));
  CHECK(throws([] { Ring r(65536, 8); }));
  CHECK(throws([] { Ring r(1024, (uint64_t{8} << 30) / 4 / 1024 + 1); }));
  Ring ok(65535, 1);
  CHECK_EQ(ok.channels(), 65535u);
}

TEST(ring_write_read_and_counters) {
  Ring r(3, 8);
  CHECK_EQ(r.written(), 0u);
  CHECK_EQ(r.oldest(), 0u);
  auto in = frames(0, 5, 3);
  CHECK(r.write(in.data(), 5) == S::ok);
  CHECK_EQ(r.written(), 5u);
  std::vector<float> out(15);
  CHECK(r.read_into(0, 5, out.data()) == S::ok);
  CHECK(out == in);
  CHECK(r.write<float>(nullptr, 0) == S::ok);  // empty write is a no-op
  CHECK_EQ(r.written(), 5u);
}

TEST(ring_wraparound_and_contiguity) {
  Ring r(2, 8);
  auto in = frames(0, 13, 2);
  CHECK(r.write(in.data(), 6) == S::ok);
  CHECK(r.write(in.data() + 12, 7) == S::ok);  // frames 6..12 wrap to slots 6,7,0..4
  CHECK_EQ(r.written(), 13u);
  CHECK_EQ(r.oldest(), 5u);
  const float* p = nullptr;
  CHECK(r.locate(5, 8, &p) == S::ok);
  CHECK(p != nullptr);  // slots 5..7: contiguous
  CHECK(r.locate(6, 10, &p) == S::ok);
  CHECK(p == nullptr);  // slots 6,7,0,1: wraps
  std::vector<float> out(16);
  CHECK(r.read_into(5, 13, out.data()) == S::ok);
  CHECK(out == frames(5, 8, 2));
  CHECK(r.locate(8, 13, &p) == S::ok);
  CHECK(p == r.slot(8));
  CHECK_EQ(p[0], 80.0f);
}

TEST(ring_distinguishes_errors) {
  Ring r(1, 4);
  auto in = frames(0, 6, 1);
  r.write(in.data(), 6);  // holds 2..5
  std::vector<float> out(8);
  const float* p;
  CHECK(r.read_into(1, 3, out.data()) == S::overwritten);
  CHECK(r.read_into(4, 7, out.data()) == S::not_yet);
  CHECK(r.read_into(3, 2, out.data()) == S::range);
  CHECK(r.locate(6, 6, &p) == S::ok);  // empty range at the head is fine
  CHECK(r.locate(7, 7, &p) == S::not_yet);
}

TEST(ring_write_larger_than_capacity_keeps_the_tail) {
  Ring r(2, 4);
  auto in = frames(0, 11, 2);
  CHECK(r.write(in.data(), 11) == S::ok);
  CHECK_EQ(r.written(), 11u);
  CHECK_EQ(r.oldest(), 7u);
  std::vector<float> out(8);
  CHECK(r.read_into(7, 11, out.data()) == S::ok);
  CHECK(out == frames(7, 4, 2));
}

TEST(ring_detects_overwrite_after_copy) {
  Ring r(1, 4);
  auto in = frames(0, 8, 1);
  r.write(in.data(), 4);
  CHECK(r.still_intact(0));
  r.write(in.data() + 4, 1);  // frame 4 reuses frame 0's slot
  CHECK(!r.still_intact(0));
  CHECK(r.still_intact(1));
}

TEST(ring_refuses_a_second_writer) {
  Ring r(1, 4);
  Ring::Status inner = S::ok;
  float v = 1;
  r.write_with(1, [&](float* slots, uint64_t, uint64_t) {
    inner = r.write(&v, 1);  // re-entrant write stands in for a concurrent one
    slots[0] = 2;
  });
  CHECK(inner == S::busy);
  CHECK_EQ(r.written(), 1u);
  CHECK_EQ(*r.slot(0), 2.0f);
}

TEST(registry_shares_and_frees) {
  auto ring = std::make_shared<Ring>(2, 16);
  std::weak_ptr<Ring> weak = ring;
  const uint32_t id = labscope::register_ring(ring);
  CHECK(id != 0);
  CHECK(labscope::open_ring(id) == ring);
  CHECK(labscope::open_ring(id + 1000) == nullptr);
  auto other = labscope::open_ring(id);
  ring.reset();
  labscope::unregister_ring(id);
  CHECK(labscope::open_ring(id) == nullptr);
  CHECK(!weak.expired());  // a handle still holds it
  other.reset();
  CHECK(weak.expired());
}

// ---- float64 rings ------------------------------------------------------------------------------

namespace {

using labscope::SampleType;

// Frame f, channel c holds 2^40 + f * 10 + c + 0.25: exact in double, not in float.
std::vector<double> frames64(uint64_t first, uint64_t n, uint32_t ch) {
  std::vector<double> v;
  for (uint64_t f = first; f < first + n; ++f) {
    for (uint32_t c = 0; c < ch; ++c) v.push_back(1099511627776.0 + static_cast<double>(f * 10 + c) + 0.25);
  }
  return v;
}

// Bit-for-bit equality (tells -0.0 from 0.0 and compares NaNs by payload).
bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

}  // namespace

TEST(ring64_type_and_shape) {
  Ring r32(2, 8), r64(2, 8, SampleType::float64);
  CHECK(r32.sample_type() == SampleType::float32);
  CHECK(r64.sample_type() == SampleType::float64);
  CHECK(r64.holds<double>() && !r64.holds<float>());
  CHECK(r32.holds<float>() && !r32.holds<double>());
  // The 8 GiB limit is in bytes: a float64 ring may hold half the frames.
  const uint64_t most32 = (uint64_t{8} << 30) / 4 / 1024;
  CHECK(throws([&] { Ring r(1024, most32 / 2 + 1, SampleType::float64); }));
  bool named = false;
  try {
    Ring r(1024, most32 / 2 + 1, SampleType::float64);
  } catch (const std::length_error& e) {
    named = std::string(e.what()).find("float64") != std::string::npos;
  }
  CHECK(named);
}

TEST(ring64_write_read_across_the_wrap) {
  Ring r(3, 8, SampleType::float64);
  auto in = frames64(0, 13, 3);
  CHECK(r.write(in.data(), 6) == S::ok);
  CHECK(r.write(in.data() + 18, 7) == S::ok);  // frames 6..12 wrap to slots 6,7,0..4
  CHECK_EQ(r.written(), 13u);
  CHECK_EQ(r.oldest(), 5u);
  const double* p = nullptr;
  CHECK(r.locate(5, 8, &p) == S::ok);
  CHECK(p != nullptr && p == r.slot<double>(5));
  CHECK(r.locate(6, 10, &p) == S::ok);
  CHECK(p == nullptr);  // wraps
  std::vector<double> out(8 * 3);
  CHECK(r.read_into(5, 13, out.data()) == S::ok);
  CHECK(same_bits(out, frames64(5, 8, 3)));
  // One write larger than the ring keeps its tail, as for float32.
  auto big = frames64(13, 20, 3);
  CHECK(r.write(big.data(), 20) == S::ok);
  CHECK(r.read_into(25, 33, out.data()) == S::ok);
  CHECK(same_bits(out, frames64(25, 8, 3)));
}

TEST(ring64_round_trips_exact_values) {
  // What a float64 ring is for: Bela's int32 and uint32 (bit 31 set), and doubles, bit for bit.
  const double values[] = {
      0.0,
      -0.0,
      static_cast<double>(INT32_MIN),
      static_cast<double>(INT32_MAX),
      static_cast<double>(uint32_t{0x80000000u}),
      static_cast<double>(uint32_t{0xFFFFFFFFu}),
      static_cast<double>(uint32_t{0xFFFFFFFEu}),
      16777217.0,           // 2^24 + 1: the first integer float32 rounds
      9007199254740992.0,   // 2^53
      9007199254740991.0,   // 2^53 - 1
      -9007199254740992.0,  //
      0.1,                  //
      1.0 / 3.0,            //
      std::numeric_limits<double>::max(),
      std::numeric_limits<double>::denorm_min(),
      -std::numeric_limits<double>::infinity(),
      std::numeric_limits<double>::quiet_NaN(),
  };
  const size_t n = sizeof(values) / sizeof(values[0]);
  Ring r(1, 5, SampleType::float64);  // smaller than the list: the values also cross the wrap
  std::vector<double> out(1);
  for (size_t i = 0; i < n; ++i) {
    CHECK(r.write(&values[i], 1) == S::ok);
    CHECK(r.read_into(i, i + 1, out.data()) == S::ok);
    CHECK(std::memcmp(out.data(), &values[i], sizeof(double)) == 0);
    CHECK(std::memcmp(r.slot<double>(i), &values[i], sizeof(double)) == 0);
    if (i == 5) CHECK_EQ(static_cast<uint32_t>(out[0]), 0xFFFFFFFFu);
    if (i == 8) CHECK_EQ(static_cast<uint64_t>(out[0]), uint64_t{1} << 53);
  }
  std::vector<double> tail(5);
  CHECK(r.read_into(n - 5, n, tail.data()) == S::ok);  // a wrapped copy of the last five
  CHECK(std::memcmp(tail.data(), &values[n - 5], 5 * sizeof(double)) == 0);
  CHECK_EQ(tail[3], -std::numeric_limits<double>::infinity());
}

TEST(ring64_errors_and_torn_reads) {
  Ring r(1, 4, SampleType::float64);
  auto in = frames64(0, 8, 1);
  CHECK(r.write(in.data(), 6) == S::ok);  // holds 2..5
  std::vector<double> out(8);
  CHECK(r.read_into(1, 3, out.data()) == S::overwritten);
  CHECK(r.read_into(4, 7, out.data()) == S::not_yet);
  CHECK(r.read_into(3, 2, out.data()) == S::range);
  // A copy that a write lapped while it was being taken is detected afterwards (seqlock).
  CHECK(r.still_intact(2));
  CHECK(r.write(in.data() + 6, 1) == S::ok);  // frame 6 reuses frame 2's slot
  CHECK(!r.still_intact(2));
  CHECK(r.still_intact(3));
  // A claim in progress (inside write_with) already makes the frames it will overwrite unreadable.
  Ring::Status during = S::ok;
  uint64_t held_during = 0;
  r.write_with<double>(1, [&](double* slots, uint64_t, uint64_t) {
    during = r.read_into(3, 4, out.data());  // frame 7 is about to take frame 3's slot
    held_during = r.held_from();
    slots[0] = 7.0;
  });
  CHECK(during == S::overwritten);
  CHECK_EQ(held_during, 4u);
  CHECK_EQ(*r.slot<double>(7), 7.0);
}

TEST(ring_refuses_the_other_sample_type) {
  Ring r64(2, 4, SampleType::float64), r32(2, 4);
  const float f[4] = {1, 2, 3, 4};
  const double d[4] = {1, 2, 3, 4};
  float fo[4];
  double dout[4];
  CHECK(r64.write(f, 2) == S::wrong_type);
  CHECK(r32.write(d, 2) == S::wrong_type);
  bool filled = false;
  CHECK(r64.write_with<float>(1, [&](float*, uint64_t, uint64_t) { filled = true; }) == S::wrong_type);
  CHECK(r64.write_with(1, [&](float*, uint64_t, uint64_t) { filled = true; }) == S::wrong_type);  // float is the default
  CHECK(!filled);
  CHECK_EQ(r64.written(), 0u);  // refused before anything was claimed or written
  CHECK_EQ(r32.written(), 0u);
  CHECK(r64.write(d, 2) == S::ok);
  CHECK(r32.write(f, 2) == S::ok);
  const float* fp = nullptr;
  const double* dp = nullptr;
  CHECK(r64.read_into(0, 2, fo) == S::wrong_type);
  CHECK(r32.read_into(0, 2, dout) == S::wrong_type);
  CHECK(r64.locate(0, 2, &fp) == S::wrong_type);
  CHECK(r32.locate(0, 2, &dp) == S::wrong_type);
  CHECK(fp == nullptr && dp == nullptr);
  CHECK(r64.read_into(0, 2, dout) == S::ok && dout[3] == 4.0);
  CHECK(r32.read_into(0, 2, fo) == S::ok && fo[3] == 4.0f);
  // The second writer rule holds for float64 too.
  Ring::Status inner = S::ok;
  r64.write_with<double>(1, [&](double* slots, uint64_t, uint64_t) {
    inner = r64.write(d, 1);
    slots[0] = slots[1] = 9;
  });
  CHECK(inner == S::busy);
  CHECK_EQ(r64.written(), 3u);
}

TEST(registry_keeps_the_sample_type) {
  auto ring = std::make_shared<Ring>(1, 4, SampleType::float64);
  const uint32_t id = labscope::register_ring(ring);
  CHECK(labscope::open_ring(id)->sample_type() == SampleType::float64);
  labscope::unregister_ring(id);
}
