// Two-thread (and more) stress of the ring's seqlock, meant to run under ThreadSanitizer.
// One writer appends frames as fast as it can; readers copy and decimate ranges right at the
// overwrite edge, so some copies are torn mid-flight and must be rejected. Every sample encodes
// its frame and channel, so any torn or misplaced value that gets through is caught exactly.
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "decimate.h"
#include "ring.h"

using labscope::Ring;

namespace {

constexpr uint32_t kChannels = 3;
constexpr uint64_t kCapacity = 1024;

// Bits of 1.0f plus frame*channels+channel: distinct, finite, and increasing with the frame, so
// a lapped (newer) frame also breaks a bucket's expected min/max.
float encode(uint64_t frame, uint32_t c) {
  const uint32_t bits = 0x3F800000u + static_cast<uint32_t>(frame * kChannels + c);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

std::atomic<bool> stop{false};
std::atomic<uint64_t> bad{0};

void report(const char* what, uint64_t a, uint64_t b) {
  if (bad.fetch_add(1) < 10) std::fprintf(stderr, "stress: %s (%llu, %llu)\n", what, (unsigned long long)a, (unsigned long long)b);
}

void writer(uint32_t id) {
  std::shared_ptr<Ring> ring = labscope::open_ring(id);
  std::mt19937 rng(1);
  std::vector<float> buf;
  uint64_t next = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const uint64_t n = 1 + rng() % 200;
    buf.resize(n * kChannels);
    for (uint64_t f = 0; f < n; ++f) {
      for (uint32_t c = 0; c < kChannels; ++c) buf[f * kChannels + c] = encode(next + f, c);
    }
    if (ring->write(buf.data(), n) != Ring::Status::ok) report("write refused", next, n);
    next += n;
  }
}

struct Counts {
  uint64_t ok = 0, not_yet = 0, overwritten = 0, torn = 0;  // torn: held when the copy began
};

void copier(uint32_t id, unsigned seed, Counts* counts) {
  std::shared_ptr<Ring> ring = labscope::open_ring(id);
  std::mt19937 rng(seed);
  std::vector<float> out(kCapacity * kChannels);
  while (!stop.load(std::memory_order_relaxed)) {
    const uint64_t w = ring->written();
    if (w < kCapacity) continue;
    // From slightly before the oldest frame to a bit past the head.
    const uint64_t start = w - kCapacity - 8 + rng() % (kCapacity + 64);
    const uint64_t end = std::min(start + 1 + rng() % 400, start + kCapacity);
    const uint64_t held = ring->held_from();
    switch (ring->read_into(start, end, out.data())) {
      case Ring::Status::ok:
        ++counts->ok;
        for (uint64_t f = start; f < end; ++f) {
          for (uint32_t c = 0; c < kChannels; ++c) {
            const float expected = encode(f, c);
            if (std::memcmp(&out[(f - start) * kChannels + c], &expected, 4) != 0) {
              report("torn or misplaced sample returned", f, c);
            }
          }
        }
        break;
      case Ring::Status::not_yet:
        ++counts->not_yet;
        break;
      case Ring::Status::overwritten:
        ++counts->overwritten;
        if (start >= held) ++counts->torn;
        break;
      default:
        report("unexpected status", start, end);
    }
  }
}

void decimator(uint32_t id, unsigned seed, Counts* counts) {
  std::shared_ptr<Ring> ring = labscope::open_ring(id);
  std::mt19937 rng(seed);
  std::vector<float> out;
  while (!stop.load(std::memory_order_relaxed)) {
    const uint64_t w = ring->written();
    if (w < kCapacity) continue;
    const uint64_t start = w - kCapacity - 64 + rng() % 128;
    const uint64_t end = start + 1 + rng() % (kCapacity + 128);
    const uint32_t buckets = 1 + rng() % 64;
    out.assign(size_t{kChannels} * buckets * 2, 0);
    uint64_t lo, hi;
    labscope::decimate_min_max(*ring, start, end, buckets, out.data(), &lo, &hi);
    if (lo < start || hi > end || lo > hi) report("used range outside the request", lo, hi);
    lo < hi ? ++counts->ok : ++counts->overwritten;
    for (uint32_t b = 0; b < buckets; ++b) {
      const uint64_t b0 = std::max(start + (end - start) * b / buckets, lo);
      const uint64_t b1 = std::min(start + (end - start) * (b + 1) / buckets, hi);
      for (uint32_t c = 0; c < kChannels; ++c) {
        const float mn = out[(size_t{c} * buckets + b) * 2], mx = out[(size_t{c} * buckets + b) * 2 + 1];
        const bool empty = b0 >= b1;
        if (empty ? !(std::isnan(mn) && std::isnan(mx)) : !(mn == encode(b0, c) && mx == encode(b1 - 1, c))) {
          report("wrong bucket min/max", b, c);
        }
      }
    }
  }
}

}  // namespace

int main() {
  const char* env = std::getenv("STRESS_SECONDS");
  const double seconds = env ? std::atof(env) : 3.0;
  auto ring = std::make_shared<Ring>(kChannels, kCapacity);
  const uint32_t id = labscope::register_ring(ring);
  ring.reset();  // the threads' handles and the registry entry keep it alive
  Counts copies[2], decimations;
  std::vector<std::thread> threads;
  threads.emplace_back(writer, id);
  threads.emplace_back(copier, id, 2u, &copies[0]);
  threads.emplace_back(copier, id, 3u, &copies[1]);
  threads.emplace_back(decimator, id, 4u, &decimations);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 2));
  labscope::unregister_ring(id);  // lifetime race: handles still in use must keep the memory
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 2));
  stop = true;
  for (auto& t : threads) t.join();
  const Counts c{copies[0].ok + copies[1].ok, copies[0].not_yet + copies[1].not_yet, copies[0].overwritten + copies[1].overwritten,
                 copies[0].torn + copies[1].torn};
  std::printf(
      "stress: copies ok %llu, not yet %llu, overwritten %llu (%llu of them during the copy); decimations "
      "%llu (+%llu fully overwritten); %llu bad\n",
      (unsigned long long)c.ok, (unsigned long long)c.not_yet, (unsigned long long)c.overwritten, (unsigned long long)c.torn,
      (unsigned long long)decimations.ok, (unsigned long long)decimations.overwritten, (unsigned long long)bad.load());
  const bool exercised = c.ok > 0 && c.overwritten > 0 && decimations.ok > 0;
  if (!exercised) std::fprintf(stderr, "stress: too few reads to mean anything\n");
  return bad.load() == 0 && exercised ? 0 : 1;
}
