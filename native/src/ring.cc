#include "ring.h"

#include <cstring>
#include <mutex>
#include <new>
#include <unordered_map>

namespace labscope {

Ring::Ring(uint32_t channels, uint64_t capacity_frames, SampleType type, uint64_t first_frame)
    : channels_(channels), capacity_(capacity_frames), type_(type), first_(first_frame), written_(first_frame), claimed_(first_frame) {
  if (channels < 1) throw std::invalid_argument("channels must be at least 1");
  if (channels > kMaxChannels) {
    throw std::invalid_argument("channels " + std::to_string(channels) + " exceeds " + std::to_string(kMaxChannels));
  }
  if (capacity_frames < 1) throw std::invalid_argument("capacity must be at least 1 frame");
  const size_t bytes = sample_bytes(type);
  // The limit is in bytes, so a float64 ring holds half the frames a float32 one may.
  if (capacity_frames > kMaxBytes / bytes / channels) {
    throw std::length_error("capacity " + std::to_string(capacity_frames) + " frames x " + std::to_string(channels) + " channels of " +
                            sample_type_name(type) + " exceeds the 8 GiB limit");
  }
  // Not zeroed: unwritten frames are never readable, and zeroing would touch up to 8 GiB up front.
  data_.reset(new (std::nothrow) unsigned char[capacity_frames * channels * bytes]);
  if (!data_) {
    throw std::length_error("cannot allocate " + std::to_string(capacity_frames * channels * bytes) + " bytes");
  }
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
