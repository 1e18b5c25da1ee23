#include <cmath>
#include <string>
#include <vector>

#include "check.h"
#include "rda_builder.h"
#include "rda_decode.h"

using labscope::Ring;
using labscope::rda::Decoder;
using labscope::rda::Result;
using rdatest::Bytes;

namespace {

Result decode(Decoder& d, const Bytes& m, Ring* ring = nullptr) { return d.decode(m.data(), m.size(), ring); }

Decoder started(uint32_t channels, double res = 0.5) {
  Decoder d;
  std::vector<std::string> names;
  for (uint32_t c = 0; c < channels; ++c) names.push_back("C" + std::to_string(c));
  decode(d, rdatest::start(std::vector<double>(channels, res), names));
  return d;
}

// The message must fail and its error must name the fault.
void expect_fault(Decoder& d, const Bytes& m, const std::string& part, Ring* ring = nullptr) {
  const Result r = decode(d, m, ring);
  CHECK(!r.ok);
  CHECK_HAS(r.error, part);
}

Bytes body_of(uint32_t channels, double interval) {
  Bytes b;
  rdatest::put<uint32_t>(b, channels);
  rdatest::put<double>(b, interval);
  return b;
}

}  // namespace

TEST(rda_message_size) {
  std::string err;
  const Bytes m = rdatest::message(3, {});
  CHECK_EQ(labscope::rda::message_size(m.data(), 23, &err), -1);
  CHECK_EQ(labscope::rda::message_size(m.data(), 24, &err), 24);
  Bytes bad = m;
  bad[3] ^= 1;
  CHECK_EQ(labscope::rda::message_size(bad.data(), bad.size(), &err), -2);
  CHECK_HAS(err, "unknown GUID");
  CHECK_EQ(labscope::rda::message_size(rdatest::message(3, {}, 12).data(), 24, &err), -2);
  CHECK_HAS(err, "nSize 12 is smaller than the 24-byte header");
  CHECK_EQ(labscope::rda::message_size(rdatest::message(3, {}, (64 << 20) + 1).data(), 24, &err), -2);
  CHECK_HAS(err, "exceeds the 67108864-byte limit");
  CHECK_EQ(labscope::rda::message_size(rdatest::message(3, {}, 64 << 20).data(), 24, &err), 64 << 20);
}

TEST(rda_start_message) {
  Decoder d;
  CHECK(!d.started());
  // cp1252: 0xE4 = ä, 0x80 = €, 0xB5 = µ, 0x81 undefined -> U+0081.
  const Result r = decode(d, rdatest::start({0.1, 2.5, 1}, {"Fp1", "C\xE4", "\x80\xB5\x81"}, 0.002));
  CHECK(r.ok);
  CHECK_EQ(r.type, 1u);
  CHECK_EQ(r.channels, 3u);
  CHECK_EQ(r.interval_us, 0.002);  // passed through: the TS side handles "seconds" values
  CHECK(r.resolutions == std::vector<double>({0.1, 2.5, 1}));
  CHECK_EQ(r.names[0], std::string("Fp1"));
  CHECK_EQ(r.names[1], std::string("C\xC3\xA4"));
  CHECK_EQ(r.names[2], std::string("\xE2\x82\xAC\xC2\xB5\xC2\x81"));
  CHECK(d.started());
  CHECK_EQ(d.channels(), 3u);
}

TEST(rda_header_faults) {
  Decoder d;
  Bytes m = rdatest::message(3, {});
  m[0] = 0;
  expect_fault(d, m, "unknown GUID");
  expect_fault(d, rdatest::message(3, {}, 12), "nSize 12 is smaller than the 24-byte header");
  expect_fault(d, rdatest::message(3, Bytes(8), 40), "nSize 40 does not match the 32 bytes given");
  expect_fault(d, rdatest::message(3, Bytes(8), 28), "nSize 28 does not match the 32 bytes given");
  expect_fault(d, Bytes(m.begin(), m.begin() + 10), "10 bytes is shorter than the 24-byte header");
}

TEST(rda_start_faults) {
  Decoder d;
  expect_fault(d, rdatest::message(1, Bytes(8)), "RDA start message: 8 bytes left");
  expect_fault(d, rdatest::start({}, {}), "RDA start message: nChannels is 0");
  expect_fault(d, rdatest::message(1, body_of(70000, 1000)), "nChannels 70000 exceeds 65535");
  expect_fault(d, rdatest::message(1, body_of(32, 1000)), "32 resolutions × 8 bytes overrun the message (0 bytes left)");
  Bytes no_nul = body_of(3, 1000);
  for (int i = 0; i < 3; ++i) rdatest::put<double>(no_nul, 1);
  no_nul.insert(no_nul.end(), {'A', 0, 'B', 0, 'C'});
  expect_fault(d, rdatest::message(1, no_nul), "channel name 3 has no NUL terminator");
  Bytes too_few = body_of(3, 1000);
  for (int i = 0; i < 3; ++i) rdatest::put<double>(too_few, 1);
  too_few.insert(too_few.end(), {'A', 0});
  expect_fault(d, rdatest::message(1, too_few), "the message ends after 1 of 3 channel names");
  expect_fault(d, rdatest::start({1, 1}, {"A", "B", "C"}), "2 bytes after the 2 channel names");
  CHECK(!d.started());  // failed starts leave the decoder untouched
  Bytes padded = rdatest::start({1, 1}, {"A", "B"});
  padded.insert(padded.end(), 3, 0);
  padded[16] += 3;
  CHECK(decode(d, padded).ok);  // NUL padding is tolerated
}

TEST(rda_int16_data_into_ring) {
  Decoder d;
  decode(d, rdatest::start({0.5, 2}, {"A", "B"}));
  Ring ring(2, 4);
  const auto value = [](uint32_t p, uint32_t c) { return c == 0 ? int(p) - 3 : -32768 + int(p); };
  const Result r = decode(d, rdatest::data<int16_t>(7, 6, 2, value), &ring);
  CHECK(r.ok);
  CHECK_EQ(r.type, 2u);
  CHECK_EQ(r.block, 7u);
  CHECK_EQ(r.points, 6u);
  CHECK(r.markers.empty());
  CHECK_EQ(ring.written(), 6u);  // 6 points into a 4-frame ring: frames 2..5 kept
  std::vector<float> out(8);
  CHECK(ring.read_into(2, 6, out.data()) == Ring::Status::ok);
  for (uint32_t p = 2; p < 6; ++p) {
    CHECK_EQ(out[(p - 2) * 2], float(value(p, 0)) * 0.5f);
    CHECK_EQ(out[(p - 2) * 2 + 1], float(value(p, 1)) * 2.0f);
  }
}

TEST(rda_float32_data_and_markers) {
  Decoder d;
  decode(d, rdatest::start({0.1, 1, 4}, {"A", "B", "C"}));
  Ring ring(3, 16);
  const auto value = [](uint32_t p, uint32_t c) { return float(p) * 1.5f - float(c); };
  const Result r =
      decode(d, rdatest::data<float>(1, 5, 3, value, {{0, 1, -1, "Stimulus", "S  1"}, {4, 2, 2, "Comment", "caf\xE9"}}), &ring);
  CHECK(r.ok);
  CHECK_EQ(r.type, 4u);
  CHECK_EQ(r.markers.size(), 2u);
  CHECK_EQ(r.markers[0].channel, -1);
  CHECK_EQ(r.markers[0].type, std::string("Stimulus"));
  CHECK_EQ(r.markers[0].description, std::string("S  1"));
  CHECK_EQ(r.markers[1].position, 4u);
  CHECK_EQ(r.markers[1].points, 2u);
  CHECK_EQ(r.markers[1].channel, 2);
  CHECK_EQ(r.markers[1].description, std::string("caf\xC3\xA9"));
  std::vector<float> out(15);
  CHECK(ring.read_into(0, 5, out.data()) == Ring::Status::ok);
  const float res[3] = {static_cast<float>(0.1), 1, 4};
  for (uint32_t p = 0; p < 5; ++p) {
    for (uint32_t c = 0; c < 3; ++c) CHECK_EQ(out[p * 3 + c], value(p, c) * res[c]);
  }
  // Without a ring the message is validated and described, nothing is stored.
  CHECK(decode(d, rdatest::data<float>(2, 5, 3, value)).ok);
  CHECK_EQ(ring.written(), 5u);
}

TEST(rda_data_faults) {
  Decoder fresh;
  expect_fault(fresh, rdatest::data<int16_t>(0, 1, 2, [](uint32_t, uint32_t) { return 0; }), "RDA data message before a start message");
  Decoder d = started(32);
  Ring ring(32, 64), narrow(4, 64);
  const auto zero = [](uint32_t, uint32_t) { return 0; };
  expect_fault(d, rdatest::data<int16_t>(0, 1, 32, zero), "ring has 4 channels, the stream has 32", &narrow);
  // The decoder writes float32 rings only; a float64 one is refused before a frame is written.
  Ring wide(32, 64, labscope::SampleType::float64);
  expect_fault(d, rdatest::data<int16_t>(0, 1, 32, zero),
               "RDA data message: ring holds float64 samples; RDA data is written to float32 rings only", &wide);
  expect_fault(d, rdatest::data<float>(0, 1, 32, zero), "ring holds float64 samples", &wide);
  CHECK_EQ(wide.written(), 0u);
  expect_fault(d, rdatest::message(2, Bytes(8)), "8 bytes left, nBlock, nPoints and nMarkers need 12");
  Bytes overrun;
  rdatest::put<uint32_t>(overrun, 0);
  rdatest::put<uint32_t>(overrun, 512);
  rdatest::put<uint32_t>(overrun, 0);
  overrun.resize(overrun.size() + 1000);
  expect_fault(d, rdatest::message(2, overrun),
               "RDA data message: 512 points × 32 channels × 2 bytes overrun the message (1000 bytes left)", &ring);
  Bytes huge = overrun;
  huge[4] = huge[5] = huge[6] = huge[7] = 0xFF;  // 2^32-1 points: must not overflow the size check
  expect_fault(d, rdatest::message(4, huge), "4294967295 points × 32 channels × 4 bytes overrun");

  // Markers: build a valid message, then corrupt each marker field in turn.
  const auto with_marker = [&](const rdatest::MarkerSpec& m, int64_t size_delta, size_t cut) {
    Bytes mk = rdatest::marker(m);
    const uint32_t forged = static_cast<uint32_t>(int64_t(mk.size()) + size_delta);
    std::memcpy(mk.data(), &forged, 4);
    mk.resize(mk.size() - cut);
    Bytes b;
    rdatest::put<uint32_t>(b, 0);
    rdatest::put<uint32_t>(b, 1);
    rdatest::put<uint32_t>(b, 1);
    b.resize(b.size() + 32 * 2);
    b.insert(b.end(), mk.begin(), mk.end());
    return rdatest::message(2, b);
  };
  const rdatest::MarkerSpec m{0, 1, -1, "Stimulus", "S  1"};
  CHECK(decode(d, with_marker(m, 0, 0), &ring).ok);
  CHECK_EQ(ring.written(), 1u);
  expect_fault(d, with_marker(m, -(16 + 9 + 5) + 10, 0), "marker 1 of 1: nSize 10 is smaller than 18", &ring);
  expect_fault(d, with_marker(m, 20, 0), "marker 1 of 1: nSize 50 overruns the message (30 bytes left)", &ring);
  expect_fault(d, with_marker(m, -5, 0), "marker 1 of 1: description has no NUL terminator", &ring);
  expect_fault(d, with_marker(m, -12, 0), "marker 1 of 1: type has no NUL terminator", &ring);
  expect_fault(d, with_marker(m, 0, 20), "marker 1 of 1 overruns the message (10 bytes left, 18 needed)", &ring);
  CHECK_EQ(ring.written(), 1u);  // failed messages never reach the ring
  Bytes two = rdatest::data<int16_t>(0, 1, 32, zero, {m});
  two[24 + 8] = 2;  // claims 2 markers, carries 1
  two.push_back(7);
  two[16] += 1;
  expect_fault(d, two, "marker 2 of 2 overruns the message (1 bytes left, 18 needed)", &ring);
  Bytes trailing = rdatest::data<int16_t>(0, 1, 32, zero);
  trailing.push_back(9);
  trailing[16] += 1;
  expect_fault(d, trailing, "1 bytes after the 0 markers", &ring);
}

TEST(rda_stop_and_unknown_types) {
  Decoder d;
  Result r = decode(d, rdatest::message(3, {}));
  CHECK(r.ok && r.type == 3 && r.size == 24 && !r.skipped);
  for (uint32_t t : {5u, 9u, 10000u, 0u}) {
    r = decode(d, rdatest::message(t, Bytes(5, 0xAB)));
    CHECK(r.ok && r.skipped && r.type == t && r.size == 29);
  }
}
