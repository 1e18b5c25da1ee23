// Single-writer, many-reader ring of float32 (default) or float64 frames, addressed by 64-bit
// absolute frame index.
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
// Being a byte copy, it serves float32 and float64 slots alike: the seqlock counts frames, not
// bytes, so a half-copied 8-byte sample is discarded exactly like a half-copied frame.
LABSCOPE_SEQLOCK_RACY inline void seqlock_copy(void* dst, const void* src, size_t bytes) {
#ifdef LABSCOPE_TSAN
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < bytes; ++i) d[i] = s[i];
#else
  std::memcpy(dst, src, bytes);
#endif
}

// A ring's sample type, fixed when it is made. float32 is what the scope draws and what most
// families deliver; float64 exists for families whose values must stay exact through the ring
// (an int32 or a uint32 with bit 31 set does not fit float32's 24-bit mantissa, a double not at
// all). One element type per ring, not per channel: readers and writers then deal in one typed
// array per range, and the copy and min/max loops stay plain loops over one type.
enum class SampleType : uint8_t { float32, float64 };

inline const char* sample_type_name(SampleType t) { return t == SampleType::float64 ? "float64" : "float32"; }
inline size_t sample_bytes(SampleType t) { return t == SampleType::float64 ? 8 : 4; }

// The C++ element type of each SampleType; only float and double are instantiated.
template <class T>
struct SampleTypeOf;
template <>
struct SampleTypeOf<float> {
  static constexpr SampleType value = SampleType::float32;
};
template <>
struct SampleTypeOf<double> {
  static constexpr SampleType value = SampleType::float64;
};

class Ring {
 public:
  static constexpr uint32_t kMaxChannels = 65535;
  static constexpr uint64_t kMaxBytes = uint64_t{8} << 30;

  // wrong_type: a float* call on a float64 ring or a double* call on a float32 ring. Samples are
  // never converted on the way in or out: a silent float64 -> float32 narrowing is exactly the
  // loss a float64 ring exists to prevent, and the other way would only hide a caller's mix-up.
  enum class Status { ok, not_yet, overwritten, range, busy, wrong_type };

  // Throws std::invalid_argument (bad shape) or std::length_error (too large / allocation failed).
  // `first_frame`: the absolute index of the first frame written (0 for a new stream; a ring that
  // takes over from another, resized, goes on at its index so readers' frame numbers stay valid).
  Ring(uint32_t channels, uint64_t capacity_frames, SampleType type = SampleType::float32, uint64_t first_frame = 0);
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  uint32_t channels() const { return channels_; }
  uint64_t capacity() const { return capacity_; }
  SampleType sample_type() const { return type_; }
  // True when T (float or double) is this ring's element type.
  template <class T>
  bool holds() const {
    return type_ == SampleTypeOf<T>::value;
  }
  // acquire: a caller that sees written() == n may read frames below n.
  uint64_t written() const { return written_.load(std::memory_order_acquire); }
  uint64_t oldest() const {
    uint64_t w = written();
    return w - first_ > capacity_ ? w - capacity_ : first_;
  }
  // The absolute index of the first frame this ring was given.
  uint64_t first_frame() const { return first_; }

  // The element-typed calls below take T = float or double and answer Status::wrong_type when T
  // is not the ring's type (checked once per call, before any slot is touched).

  // Writer side (one thread at a time; a second concurrent writer gets Status::busy).
  template <class T>
  Status write(const T* frames, uint64_t n);

  // Writes n frames in place: fill(T* slots, uint64_t first, uint64_t count) must store
  // frames [first, first+count) of the caller's source at `slots` (contiguous, interleaved).
  // Called once or twice (wrap). When n > capacity only the last `capacity` frames are filled,
  // since the earlier ones would be overwritten by this same write.
  // T defaults to float so float32 writers (the RDA decoder) read as before.
  template <class T = float, class Fill>
  Status write_with(uint64_t n, Fill&& fill);

  // Reader side: any thread, any number of readers, lock-free.
  // Checks [start, end) is held now; on ok sets *slots (nullptr when it wraps).
  template <class T>
  Status locate(uint64_t start, uint64_t end, const T** slots) const;
  // Copies [start, end) to out (n*channels samples) and verifies nothing was overwritten meanwhile.
  template <class T>
  Status read_into(uint64_t start, uint64_t end, T* out) const;
  // True when frames from `start` on were not overwritten (or claimed) since the caller copied
  // them. The acquire fence orders the caller's preceding slot loads before the claimed_ load.
  bool still_intact(uint64_t start) const {
    std::atomic_thread_fence(std::memory_order_acquire);
    return start + capacity_ >= claimed_.load(std::memory_order_relaxed);
  }
  // Lowest frame not being overwritten: frames [held_from(), written()) are safe to copy.
  uint64_t held_from() const {
    uint64_t c = claimed_.load(std::memory_order_relaxed);
    return c - first_ > capacity_ ? c - capacity_ : first_;
  }
  // Contiguous slots of frame f (valid for f in any lap). T must be the ring's type (holds<T>()):
  // this is the unchecked accessor the decimator's inner loop uses after checking once.
  template <class T = float>
  const T* slot(uint64_t f) const {
    return base<T>() + (f % capacity_) * channels_;
  }

 private:
  template <class T>
  T* base() const {
    return reinterpret_cast<T*>(data_.get());
  }

  const uint32_t channels_;
  const uint64_t capacity_;
  const SampleType type_;
  const uint64_t first_;
  // Raw bytes, typed by base<T>(): operator new[] aligns them for any fundamental type (16 bytes
  // on x86-64 and arm64), so float and double slots are both naturally aligned.
  std::unique_ptr<unsigned char[]> data_;
  // Invariant: written_ <= claimed_ <= written_ + (frames of the write in progress). Frame f's
  // slot is reused by frame f + capacity, so f is intact while f + capacity >= claimed_.
  std::atomic<uint64_t> written_;
  std::atomic<uint64_t> claimed_;
  std::atomic<bool> writing_{false};
};

template <class T, class Fill>
Ring::Status Ring::write_with(uint64_t n, Fill&& fill) {
  if (!holds<T>()) return Status::wrong_type;
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
    fill(base<T>() + at * channels_, f - w, run);
    f += run;
  }
  // Seqlock "end": release publishes the slot stores to readers that acquire-load written_.
  written_.store(end, std::memory_order_release);
  writing_.store(false, std::memory_order_release);
  return Status::ok;
}

// Plain loads/stores of whole samples through seqlock_copy; readers validate with still_intact().
template <class T>
void copy_slots(T* dst, const T* src, size_t count) {
  seqlock_copy(dst, src, count * sizeof(T));
}

template <class T>
Ring::Status Ring::write(const T* frames, uint64_t n) {
  const uint32_t ch = channels_;
  return write_with<T>(n, [frames, ch](T* slots, uint64_t first, uint64_t count) { copy_slots(slots, frames + first * ch, count * ch); });
}

template <class T>
Ring::Status Ring::locate(uint64_t start, uint64_t end, const T** slots) const {
  if (!holds<T>()) return Status::wrong_type;
  if (start > end) return Status::range;
  // acquire pairs with the writer's release store: frames below w are fully stored.
  const uint64_t w = written_.load(std::memory_order_acquire);
  if (end > w) return Status::not_yet;
  if (start < held_from()) return Status::overwritten;
  const uint64_t at = start % capacity_;
  *slots = (end - start <= capacity_ - at) ? base<T>() + at * channels_ : nullptr;
  return Status::ok;
}

template <class T>
Ring::Status Ring::read_into(uint64_t start, uint64_t end, T* out) const {
  const T* contiguous = nullptr;
  Status s = locate(start, end, &contiguous);
  if (s != Status::ok || start == end) return s;
  for (uint64_t f = start; f < end;) {
    const uint64_t at = f % capacity_;
    const uint64_t run = std::min(capacity_ - at, end - f);
    copy_slots(out + (f - start) * channels_, base<T>() + at * channels_, run * channels_);
    f += run;
  }
  return still_intact(start) ? Status::ok : Status::overwritten;
}

// Process-wide id -> ring, so worker_threads can open the same memory. Mutex-protected: it is
// touched only when handles are created or released, never on the data path.
uint32_t register_ring(std::shared_ptr<Ring> ring);
std::shared_ptr<Ring> open_ring(uint32_t id);
void unregister_ring(uint32_t id);

}  // namespace labscope
