// Single-writer, many-reader ring of float32 frames, addressed by 64-bit absolute frame index.
// Plain C++17 (no N-API) so the C++ tests, the TSan stress test and the fuzzer link it directly.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

// The seqlock protocol below lets readers copy slots while the writer may be overwriting them;
// such a copy is detected afterwards (claimed_ re-check) and discarded, never returned. Those
// copies are a data race in the C++ model, which we accept deliberately instead of making every
// float a relaxed atomic: atomic element loads cannot be vectorised (memcpy speed, SIMD min/max
// over 16 M samples per scope frame), and JS views read the very same slots with plain loads
// anyway. (TSan also does not model atomic_thread_fence, so it could not follow the seqlock's
// ordering even with atomic elements.) Only the few functions that touch slot memory carry this
// macro, so ThreadSanitizer still checks everything else (counters, registry, lifetimes); the
// stress test checks the slot data itself, value by value. `no_builtin` keeps clang from turning
// copy loops into memcpy calls, which TSan would intercept and check regardless.
#if defined(__clang__)
#define LABSCOPE_SEQLOCK_RACY __attribute__((no_sanitize("thread"), no_builtin("memcpy")))
#elif defined(__GNUC__)
#define LABSCOPE_SEQLOCK_RACY __attribute__((no_sanitize("thread")))
#else
#define LABSCOPE_SEQLOCK_RACY
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LABSCOPE_TSAN 1
#endif
#elif defined(__SANITIZE_THREAD__)
#define LABSCOPE_TSAN 1
#endif

namespace labscope {

// Copies bytes into or out of ring slots. memcpy is the fast path, but TSan intercepts memcpy
// and would check it, so TSan builds copy byte by byte in an uninstrumented loop instead.
LABSCOPE_SEQLOCK_RACY inline void seqlock_copy(void* dst, const void* src, size_t bytes) {
#ifdef LABSCOPE_TSAN
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < bytes; ++i) d[i] = s[i];
#else
  std::memcpy(dst, src, bytes);
#endif
}

class Ring {
 public:
  static constexpr uint32_t kMaxChannels = 65535;
  static constexpr uint64_t kMaxBytes = uint64_t{8} << 30;

  enum class Status { ok, not_yet, overwritten, range, busy };

  // Throws std::invalid_argument (bad shape) or std::length_error (too large / allocation failed).
  Ring(uint32_t channels, uint64_t capacity_frames);
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  uint32_t channels() const { return channels_; }
  uint64_t capacity() const { return capacity_; }
  // acquire: a caller that sees written() == n may read frames below n.
  uint64_t written() const { return written_.load(std::memory_order_acquire); }
  uint64_t oldest() const {
    uint64_t w = written();
    return w > capacity_ ? w - capacity_ : 0;
  }

  // Writer side (one thread at a time; a second concurrent writer gets Status::busy).
  Status write(const float* frames, uint64_t n);

  // Writes n frames in place: fill(float* slots, uint64_t first, uint64_t count) must store
  // frames [first, first+count) of the caller's source at `slots` (contiguous, interleaved).
  // Called once or twice (wrap). When n > capacity only the last `capacity` frames are filled,
  // since the earlier ones would be overwritten by this same write.
  template <class Fill>
  Status write_with(uint64_t n, Fill&& fill);

  // Reader side: any thread, any number of readers, lock-free.
  // Checks [start, end) is held now; on ok sets *slots (nullptr when it wraps).
  Status locate(uint64_t start, uint64_t end, const float** slots) const;
  // Copies [start, end) to out (n*channels floats) and verifies nothing was overwritten meanwhile.
  Status read_into(uint64_t start, uint64_t end, float* out) const;
  // True when frames from `start` on were not overwritten (or claimed) since the caller copied
  // them. The acquire fence orders the caller's preceding slot loads before the claimed_ load.
  bool still_intact(uint64_t start) const {
    std::atomic_thread_fence(std::memory_order_acquire);
    return start + capacity_ >= claimed_.load(std::memory_order_relaxed);
  }
  // Lowest frame not being overwritten: frames [held_from(), written()) are safe to copy.
  uint64_t held_from() const {
    uint64_t c = claimed_.load(std::memory_order_relaxed);
    return c > capacity_ ? c - capacity_ : 0;
  }
  // Contiguous slots of frame f (valid for f in any lap).
  const float* slot(uint64_t f) const { return data_.get() + (f % capacity_) * channels_; }

 private:
  const uint32_t channels_;
  const uint64_t capacity_;
  std::unique_ptr<float[]> data_;
  // Invariant: written_ <= claimed_ <= written_ + (frames of the write in progress). Frame f's
  // slot is reused by frame f + capacity, so f is intact while f + capacity >= claimed_.
  std::atomic<uint64_t> written_{0};
  std::atomic<uint64_t> claimed_{0};
  std::atomic<bool> writing_{false};
};

template <class Fill>
Ring::Status Ring::write_with(uint64_t n, Fill&& fill) {
  // Guards the single-writer assumption: two writers would move claimed_ backwards and let
  // readers accept torn data. acquire/release pass the previous writer's counters along.
  if (writing_.exchange(true, std::memory_order_acquire)) return Status::busy;
  // relaxed: only this thread stores written_.
  const uint64_t w = written_.load(std::memory_order_relaxed);
  const uint64_t end = w + n;
  // Seqlock "begin": announce how far we are about to overwrite, then a release fence so the
  // claim becomes visible no later than any slot store below (StoreStore). A reader that saw
  // any of the new slot values will, after its acquire fence, see this claim and discard.
  claimed_.store(end, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  const uint64_t skip = n > capacity_ ? n - capacity_ : 0;
  for (uint64_t f = w + skip; f < end;) {
    const uint64_t at = f % capacity_;
    const uint64_t run = std::min(capacity_ - at, end - f);
    fill(data_.get() + at * channels_, f - w, run);
    f += run;
  }
  // Seqlock "end": release publishes the slot stores to readers that acquire-load written_.
  written_.store(end, std::memory_order_release);
  writing_.store(false, std::memory_order_release);
  return Status::ok;
}

// Process-wide id -> ring, so worker_threads can open the same memory. Mutex-protected: it is
// touched only when handles are created or released, never on the data path.
uint32_t register_ring(std::shared_ptr<Ring> ring);
std::shared_ptr<Ring> open_ring(uint32_t id);
void unregister_ring(uint32_t id);

}  // namespace labscope
