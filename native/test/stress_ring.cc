// Two-thread (and more) stress of the ring's seqlock, meant to run under ThreadSanitizer.
// One writer appends frames as fast as it can; readers copy and decimate ranges right at the
// overwrite edge, so some copies are torn mid-flight and must be rejected. Every sample encodes
// its frame and channel, so any torn or misplaced value that gets through is caught exactly.
// A float32 and a float64 ring run side by side: the seqlock is the same code for both element
// sizes, but a torn 8-byte sample (TSan builds copy byte by byte) must be caught just the same.
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
template <class T>
T encode(uint64_t frame, uint32_t c);

template <>
float encode<float>(uint64_t frame, uint32_t c) {
  const uint32_t bits = 0x3F800000u + static_cast<uint32_t>(frame * kChannels + c);
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

// 2^40 + n + 0.5: exact in double, increasing, and not representable in float, so a value that
// went through float anywhere on the copy path shows.
template <>
double encode<double>(uint64_t frame, uint32_t c) {
  return 1099511627776.0 + static_cast<double>(frame * kChannels + c) + 0.5;
}

// What the decimator reports for a sample: its value rounded to float (the display type).
template <class T>
float shown(uint64_t frame, uint32_t c) {
  return static_cast<float>(encode<T>(frame, c));
}

template <class T>
const char* type_name() {
  return sizeof(T) == 8 ? "float64" : "float32";
}

std::atomic<bool> stop{false};
std::atomic<uint64_t> bad{0};

void report(const char* type, const char* what, uint64_t a, uint64_t b) {
  if (bad.fetch_add(1) < 10) {
    std::fprintf(stderr, "stress %s: %s (%llu, %llu)\n", type, what, (unsigned long long)a, (unsigned long long)b);
  }
}

template <class T>
void writer(uint32_t id) {
  std::shared_ptr<Ring> ring = labscope::open_ring(id);
  std::mt19937 rng(1);
  std::vector<T> buf;
  uint64_t next = 0;
  while (!stop.load(std::memory_order_relaxed)) {
    const uint64_t n = 1 + rng() % 200;
    buf.resize(n * kChannels);
    for (uint64_t f = 0; f < n; ++f) {
      for (uint32_t c = 0; c < kChannels; ++c) buf[f * kChannels + c] = encode<T>(next + f, c);
    }
    if (ring->write(buf.data(), n) != Ring::Status::ok) report(type_name<T>(), "write refused", next, n);
    next += n;
  }
}

struct Counts {
  uint64_t ok = 0, not_yet = 0, overwritten = 0, torn = 0;  // torn: held when the copy began
};

template <class T>
void copier(uint32_t id, unsigned seed, Counts* counts) {
  std::shared_ptr<Ring> ring = labscope::open_ring(id);
  std::mt19937 rng(seed);
  std::vector<T> out(kCapacity * kChannels);
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
            const T expected = encode<T>(f, c);
            if (std::memcmp(&out[(f - start) * kChannels + c], &expected, sizeof(T)) != 0) {
              report(type_name<T>(), "torn or misplaced sample returned", f, c);
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
        report(type_name<T>(), "unexpected status", start, end);
    }
  }
}

template <class T>
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
    if (lo < start || hi > end || lo > hi) report(type_name<T>(), "used range outside the request", lo, hi);
    lo < hi ? ++counts->ok : ++counts->overwritten;
    for (uint32_t b = 0; b < buckets; ++b) {
      const uint64_t b0 = std::max(start + (end - start) * b / buckets, lo);
      const uint64_t b1 = std::min(start + (end - start) * (b + 1) / buckets, hi);
      for (uint32_t c = 0; c < kChannels; ++c) {
        const float mn = out[(size_t{c} * buckets + b) * 2], mx = out[(size_t{c} * buckets + b) * 2 + 1];
        const bool empty = b0 >= b1;
        if (empty ? !(std::isnan(mn) && std::isnan(mx)) : !(mn == shown<T>(b0, c) && mx == shown<T>(b1 - 1, c))) {
          report(type_name<T>(), "wrong bucket min/max", b, c);
        }
      }
    }
  }
}

// One ring of element type T with a writer, two copiers and a decimator, all started on `threads`.
template <class T>
struct Rig {
  uint32_t id = 0;
  Counts copies[2], decimations;

  void start(std::vector<std::thread>& threads) {
    auto ring = std::make_shared<Ring>(kChannels, kCapacity, labscope::SampleTypeOf<T>::value);
    id = labscope::register_ring(ring);
    ring.reset();  // the threads' handles and the registry entry keep it alive
    threads.emplace_back(writer<T>, id);
    threads.emplace_back(copier<T>, id, 2u, &copies[0]);
    threads.emplace_back(copier<T>, id, 3u, &copies[1]);
    threads.emplace_back(decimator<T>, id, 4u, &decimations);
  }

  // Prints the counts; false when too few reads happened to mean anything.
  bool summary() const {
    const Counts c{copies[0].ok + copies[1].ok, copies[0].not_yet + copies[1].not_yet, copies[0].overwritten + copies[1].overwritten,
                   copies[0].torn + copies[1].torn};
    std::printf(
        "stress %s: copies ok %llu, not yet %llu, overwritten %llu (%llu of them during the copy); decimations "
        "%llu (+%llu fully overwritten)\n",
        type_name<T>(), (unsigned long long)c.ok, (unsigned long long)c.not_yet, (unsigned long long)c.overwritten,
        (unsigned long long)c.torn, (unsigned long long)decimations.ok, (unsigned long long)decimations.overwritten);
    const bool exercised = c.ok > 0 && c.overwritten > 0 && decimations.ok > 0;
    if (!exercised) std::fprintf(stderr, "stress %s: too few reads to mean anything\n", type_name<T>());
    return exercised;
  }
};

}  // namespace

int main() {
  const char* env = std::getenv("STRESS_SECONDS");
  const double seconds = env ? std::atof(env) : 3.0;
  Rig<float> f32;
  Rig<double> f64;
  std::vector<std::thread> threads;
  f32.start(threads);
  f64.start(threads);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 2));
  // Lifetime race: handles still in use must keep the memory.
  labscope::unregister_ring(f32.id);
  labscope::unregister_ring(f64.id);
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds / 2));
  stop = true;
  for (auto& t : threads) t.join();
  const bool exercised32 = f32.summary();  // both print, whatever the first says
  const bool exercised64 = f64.summary();
  const bool exercised = exercised32 && exercised64;
  std::printf("stress: %llu bad\n", (unsigned long long)bad.load());
  return bad.load() == 0 && exercised ? 0 : 1;
}
