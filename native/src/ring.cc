#include "ring.h"

#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

namespace labscope {

Ring::Ring(uint32_t channels, uint64_t capacity_frames) : channels_(channels), capacity_(capacity_frames) {
  if (channels < 1) throw std::invalid_argument("channels must be at least 1");
  if (channels > kMaxChannels) {
    throw std::invalid_argument("channels " + std::to_string(channels) + " exceeds " + std::to_string(kMaxChannels));
  }
  if (capacity_frames < 1) throw std::invalid_argument("capacity must be at least 1 frame");
  if (capacity_frames > kMaxBytes / 4 / channels) {
    throw std::length_error("capacity " + std::to_string(capacity_frames) + " frames x " + std::to_string(channels) +
                            " channels exceeds the 8 GiB limit");
  }
  // Not zeroed: unwritten frames are never readable, and zeroing would touch up to 8 GiB up front.
  data_.reset(new (std::nothrow) float[capacity_frames * channels]);
  if (!data_) {
    throw std::length_error("cannot allocate " + std::to_string(capacity_frames * channels * 4) + " bytes");
  }
}

namespace {
// Plain loads/stores; read_into validates with still_intact() afterwards.
void copy_slots(float* dst, const float* src, size_t count) { seqlock_copy(dst, src, count * sizeof(float)); }
}  // namespace

Ring::Status Ring::write(const float* frames, uint64_t n) {
  const uint32_t ch = channels_;
  return write_with(n, [frames, ch](float* slots, uint64_t first, uint64_t count) { copy_slots(slots, frames + first * ch, count * ch); });
}

Ring::Status Ring::locate(uint64_t start, uint64_t end, const float** slots) const {
  if (start > end) return Status::range;
  // acquire pairs with the writer's release store: frames below w are fully stored.
  const uint64_t w = written_.load(std::memory_order_acquire);
  if (end > w) return Status::not_yet;
  if (start < held_from()) return Status::overwritten;
  const uint64_t at = start % capacity_;
  *slots = (end - start <= capacity_ - at) ? data_.get() + at * channels_ : nullptr;
  return Status::ok;
}

Ring::Status Ring::read_into(uint64_t start, uint64_t end, float* out) const {
  const float* contiguous = nullptr;
  Status s = locate(start, end, &contiguous);
  if (s != Status::ok || start == end) return s;
  for (uint64_t f = start; f < end;) {
    const uint64_t at = f % capacity_;
    const uint64_t run = std::min(capacity_ - at, end - f);
    copy_slots(out + (f - start) * channels_, data_.get() + at * channels_, run * channels_);
    f += run;
  }
  return still_intact(start) ? Status::ok : Status::overwritten;
}

namespace {
struct Registry {
  std::mutex mutex;
  std::unordered_map<uint32_t, std::shared_ptr<Ring>> rings;
  uint32_t next_id = 1;
};
// Leaked on purpose: worker threads may still drop handles while static destructors run at exit.
Registry& registry() {
  static Registry* r = new Registry();
  return *r;
}
}  // namespace

uint32_t register_ring(std::shared_ptr<Ring> ring) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  const uint32_t id = r.next_id++;
  r.rings.emplace(id, std::move(ring));
  return id;
}

std::shared_ptr<Ring> open_ring(uint32_t id) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.rings.find(id);
  return it == r.rings.end() ? nullptr : it->second;
}

void unregister_ring(uint32_t id) {
  std::shared_ptr<Ring> dropped;  // freed after unlocking: a big ring's free must not hold the lock
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.rings.find(id);
  if (it == r.rings.end()) return;
  dropped = std::move(it->second);
  r.rings.erase(it);
}

}  // namespace labscope
