#include <cmath>
#include <stdexcept>
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
  CHECK(r.write(nullptr, 0) == S::ok);  // empty write is a no-op
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
