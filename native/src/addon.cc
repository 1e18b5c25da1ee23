// Node-API face of the C++ core; src/core/native.ts is the contract it implements.
// Context-aware: all per-env state (the Ring constructor) lives in Napi::Addon instance data,
// so the module loads in several worker_threads at once. Rings themselves are process-wide.
#include <napi.h>

#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

#include "decimate.h"
#include "number_array.h"
#include "rda_decode.h"
#include "ring.h"

namespace {
// Random, fixed: identifies objects made by this addon's Ring constructor.
const napi_type_tag kRingTag = {0x6c6162736370ULL, 0x72696e6721a3f1c4ULL};
}  // namespace

namespace {

using labscope::Ring;
using labscope::SampleType;
namespace rda = labscope::rda;

Napi::Error coded(Napi::Env env, const std::string& message, const char* code) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  return e;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

// Non-negative integer argument (a frame index, count, ...). Negative is ERANGE per the contract.
uint64_t index_arg(const Napi::CallbackInfo& info, size_t i, const std::string& what) {
  const Napi::Value v = info[i];
  if (!v.IsNumber()) throw Napi::TypeError::New(info.Env(), what + " must be a number");
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d)) {
    throw Napi::TypeError::New(info.Env(), what + " must be an integer (got " + std::to_string(d) + ")");
  }
  if (d < 0 || d > kMaxSafeInteger) {
    throw coded(info.Env(), what + " " + std::to_string(static_cast<long long>(d)) + " is out of range", "ERANGE");
  }
  return static_cast<uint64_t>(d);
}

// A typed-array argument as pointer + element count, from ONE napi_get_typedarray_info call:
// node-addon-api's checked casts ask V8 again for each property, and on per-block calls those
// lookups cost more than the work.
template <class T>
struct Span {
  T* data;
  size_t length;
};

template <class T>
Span<T> typed_arg(const Napi::CallbackInfo& info, size_t i, napi_typedarray_type want, const char* what, const char* type_name) {
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  const napi_value v = info[i];
  bool is_typed = false;
  napi_is_typedarray(info.Env(), v, &is_typed);
  if (!is_typed || napi_get_typedarray_info(info.Env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok || type != want) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a " + type_name);
  }
  return {static_cast<T*>(data), length};
}

const char* typed_array_name(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array:
      return "Int8Array";
    case napi_uint8_array:
      return "Uint8Array";
    case napi_uint8_clamped_array:
      return "Uint8ClampedArray";
    case napi_int16_array:
      return "Int16Array";
    case napi_uint16_array:
      return "Uint16Array";
    case napi_int32_array:
      return "Int32Array";
    case napi_uint32_array:
      return "Uint32Array";
    case napi_float32_array:
      return "Float32Array";
    case napi_float64_array:
      return "Float64Array";
    default:
      return "typed array";
  }
}

template <class T>
constexpr napi_typedarray_type napi_type_of() {
  return std::is_same<T, double>::value ? napi_float64_array : napi_float32_array;
}
template <class T>
constexpr const char* array_name_of() {
  return std::is_same<T, double>::value ? "Float64Array" : "Float32Array";
}

// The samples argument of a ring call: the typed array of the ring's own type (T), in one
// napi_get_typedarray_info call like typed_arg. Anything else is a TypeError with code ETYPE
// whose message names both the wanted and the given kind: samples are never converted, since
// narrowing float64 to float32 would lose exactly what a float64 ring is there to keep.
template <class T>
Span<T> samples_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  const napi_value v = info[i];
  bool is_typed = false;
  napi_is_typedarray(info.Env(), v, &is_typed);
  if (is_typed && napi_get_typedarray_info(info.Env(), v, &type, &length, &data, nullptr, nullptr) == napi_ok &&
      type == napi_type_of<T>()) {
    return {static_cast<T*>(data), length};
  }
  const char* ring_type = labscope::sample_type_name(labscope::SampleTypeOf<T>::value);
  const char* given = is_typed ? typed_array_name(type) : nullptr;
  const std::string got = !given ? "no typed array" : std::string(given[0] == 'I' || given[0] == 'U' ? "an " : "a ") + given;
  Napi::TypeError e = Napi::TypeError::New(
      info.Env(), std::string(what) + " must be a " + array_name_of<T>() + " for this " + ring_type + " ring (got " + got + ")");
  e.Set("code", Napi::String::New(info.Env(), "ETYPE"));
  throw e;
}

// 'float32' (also when absent) or 'float64'; anything else is a TypeError naming both.
SampleType sample_type_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  const Napi::Value v = info[i];
  if (v.IsUndefined()) return SampleType::float32;
  const std::string s = v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
  if (s == "float32") return SampleType::float32;
  if (s == "float64") return SampleType::float64;
  Napi::TypeError e = Napi::TypeError::New(
      info.Env(), std::string(what) + " must be 'float32' or 'float64'" + (v.IsString() ? " (got '" + s + "')" : std::string()));
  e.Set("code", Napi::String::New(info.Env(), "ETYPE"));
  throw e;
}

Span<float> float32_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return typed_arg<float>(info, i, napi_float32_array, what, "Float32Array");
}

Span<uint8_t> bytes_arg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  return typed_arg<uint8_t>(info, i, napi_uint8_array, what, "Uint8Array (or Buffer)");
}

std::string range_text(uint64_t start, uint64_t end) { return "frames [" + std::to_string(start) + ", " + std::to_string(end) + ")"; }

// Turns a non-ok ring status into the coded JS error the contract promises.
[[noreturn]] void throw_status(Napi::Env env, const std::string& method, Ring::Status s, const Ring& ring, uint64_t start, uint64_t end) {
  switch (s) {
    case Ring::Status::not_yet:
      throw coded(env, method + ": " + range_text(start, end) + " not written yet (written " + std::to_string(ring.written()) + ")",
                  "ENOTYET");
    case Ring::Status::overwritten:
      throw coded(env, method + ": " + range_text(start, end) + " overwritten (oldest now " + std::to_string(ring.oldest()) + ")",
                  "EOVERWRITTEN");
    case Ring::Status::busy:
      throw coded(env, method + ": another thread is writing to this ring (single writer only)", "EBUSY");
    case Ring::Status::wrong_type:  // the handle checks its arguments first; kept for completeness
      throw coded(env, method + ": samples of the wrong type for this " + labscope::sample_type_name(ring.sample_type()) + " ring",
                  "ETYPE");
    default:
      throw coded(env, method + ": start " + std::to_string(start) + " is after end " + std::to_string(end), "ERANGE");
  }
}

class RingHandle;

class LabscopeAddon : public Napi::Addon<LabscopeAddon> {
 public:
  LabscopeAddon(Napi::Env env, Napi::Object exports);
  Napi::FunctionReference ring_ctor;

  RingHandle& unwrap_ring(const Napi::Value& v, const char* what);

 private:
  Napi::Value RdaMessageSize(const Napi::CallbackInfo& info);
  Napi::Value DecimateMinMax(const Napi::CallbackInfo& info);
  Napi::Value ParseNumberArray(const Napi::CallbackInfo& info);
  Napi::Value MinMaxColumns(const Napi::CallbackInfo& info);
  // The text of the last parseNumberArray call, reused: one allocation per thread, not per call.
  std::vector<char> text_;
};

// What Ring.open passes to the constructor through an External (JS code cannot forge one).
struct Adopt {
  std::shared_ptr<Ring> ring;
  uint32_t id;
};

class RingHandle : public Napi::ObjectWrap<RingHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Ring",
                       {StaticMethod<&RingHandle::Open>("open"), InstanceAccessor<&RingHandle::Id>("id"),
                        InstanceAccessor<&RingHandle::Channels>("channels"), InstanceAccessor<&RingHandle::Capacity>("capacity"),
                        InstanceAccessor<&RingHandle::SampleTypeName>("sampleType"), InstanceMethod<&RingHandle::Write>("write"),
                        InstanceMethod<&RingHandle::Written>("written"), InstanceMethod<&RingHandle::Oldest>("oldest"),
                        InstanceMethod<&RingHandle::Read>("read"), InstanceMethod<&RingHandle::ReadInto>("readInto"),
                        InstanceMethod<&RingHandle::Release>("release")});
  }

  explicit RingHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingHandle>(info) {
    Napi::Env env = info.Env();
    // A type tag makes "is this a Ring?" one cheap check on hot paths (decode into a ring),
    // where instanceof would walk the prototype chain on every call.
    napi_type_tag_object(env, info.This(), &kRingTag);
    if (info[0].IsExternal()) {
      Adopt* a = info[0].As<Napi::External<Adopt>>().Data();
      ring_ = a->ring;
      id_ = a->id;
    } else {
      const uint64_t channels = index_arg(info, 0, "Ring: channels");
      const uint64_t capacity = index_arg(info, 1, "Ring: capacity");
      if (channels < 1 || channels > Ring::kMaxChannels) {
        throw Napi::RangeError::New(
            env, "Ring: channels must be 1.." + std::to_string(Ring::kMaxChannels) + " (got " + std::to_string(channels) + ")");
      }
      if (capacity < 1) throw Napi::RangeError::New(env, "Ring: capacity must be at least 1 frame (got 0)");
      const SampleType type = sample_type_arg(info, 2, "Ring: sampleType");
      const uint64_t first = info[3].IsUndefined() ? 0 : index_arg(info, 3, "Ring: firstFrame");
      try {
        ring_ = std::make_shared<Ring>(static_cast<uint32_t>(channels), capacity, type, first);
      } catch (const std::exception& e) {
        throw Napi::RangeError::New(env, std::string("Ring: ") + e.what());
      }
      id_ = labscope::register_ring(ring_);
      owner_ = true;
    }
    channels_ = ring_->channels();
    capacity_ = ring_->capacity();
    type_ = ring_->sample_type();
  }

  // Live ring or a clear error; the shared_ptr copy keeps it alive for the caller's duration.
  std::shared_ptr<Ring> live(Napi::Env env, const char* method) const {
    if (!ring_) throw Napi::Error::New(env, std::string(method) + ": this Ring handle was released");
    return ring_;
  }

 private:
  static Napi::Value Open(const Napi::CallbackInfo& info) {
    const uint64_t id = index_arg(info, 0, "Ring.open: id");
    Adopt a{id <= UINT32_MAX ? labscope::open_ring(static_cast<uint32_t>(id)) : nullptr, static_cast<uint32_t>(id)};
    if (!a.ring) {
      throw Napi::Error::New(info.Env(), "Ring.open: no ring with id " + std::to_string(id) + " (released or never created)");
    }
    // The handle always has the ring's own type; a caller that names the type it expects gets
    // a mismatch as an error here rather than at its first read.
    if (!info[1].IsUndefined()) {
      const SampleType want = sample_type_arg(info, 1, "Ring.open: sampleType");
      if (want != a.ring->sample_type()) {
        throw coded(info.Env(),
                    "Ring.open: ring " + std::to_string(id) + " holds " + labscope::sample_type_name(a.ring->sample_type()) +
                        " samples, not " + labscope::sample_type_name(want),
                    "ETYPE");
      }
    }
    LabscopeAddon* addon = info.Env().GetInstanceData<LabscopeAddon>();
    return addon->ring_ctor.New({Napi::External<Adopt>::New(info.Env(), &a)});
  }

  Napi::Value Id(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), id_); }
  Napi::Value Channels(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), channels_); }
  Napi::Value Capacity(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), static_cast<double>(capacity_)); }
  Napi::Value SampleTypeName(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), labscope::sample_type_name(type_)); }

  // Each data call dispatches once on the ring's type (fixed for its life, cached in type_) to a
  // per-type body: the float32 path is the same code as before float64 rings existed.
  Napi::Value Write(const Napi::CallbackInfo& info) {
    return type_ == SampleType::float64 ? WriteTyped<double>(info) : WriteTyped<float>(info);
  }
  Napi::Value Read(const Napi::CallbackInfo& info) {
    return type_ == SampleType::float64 ? ReadTyped<double>(info) : ReadTyped<float>(info);
  }
  Napi::Value ReadInto(const Napi::CallbackInfo& info) {
    return type_ == SampleType::float64 ? ReadIntoTyped<double>(info) : ReadIntoTyped<float>(info);
  }

  template <class T>
  Napi::Value WriteTyped(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto ring = live(env, "Ring.write");
    const Span<T> frames = samples_arg<T>(info, 0, "Ring.write: frames");
    if (frames.length % channels_ != 0) {
      throw Napi::TypeError::New(env, "Ring.write: frames length " + std::to_string(frames.length) + " is not a multiple of channels (" +
                                          std::to_string(channels_) + ")");
    }
    const Ring::Status s = ring->write(frames.data, frames.length / channels_);
    if (s != Ring::Status::ok) throw_status(env, "Ring.write", s, *ring, 0, 0);
    return Napi::Number::New(env, static_cast<double>(ring->written()));
  }

  Napi::Value Written(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env(), "Ring.written")->written()));
  }

  Napi::Value Oldest(const Napi::CallbackInfo& info) {
    return Napi::Number::New(info.Env(), static_cast<double>(live(info.Env(), "Ring.oldest")->oldest()));
  }

  template <class T>
  Napi::Value ReadTyped(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto ring = live(env, "Ring.read");
    const uint64_t start = index_arg(info, 0, "Ring.read: start");
    const uint64_t end = index_arg(info, 1, "Ring.read: end");
    const T* contiguous = nullptr;
    Ring::Status s = ring->locate(start, end, &contiguous);
    if (s != Ring::Status::ok) throw_status(env, "Ring.read", s, *ring, start, end);
    const size_t count = static_cast<size_t>(end - start) * channels_;
    if (contiguous && count > 0) {
      Napi::Value view = external_view(env, ring, contiguous, count);
      if (!view.IsEmpty()) {
        // Same seqlock check as a copy: when we hand the view out its contents were intact.
        if (!ring->still_intact(start)) throw_status(env, "Ring.read", Ring::Status::overwritten, *ring, start, end);
        return view;
      }
    }
    Napi::TypedArrayOf<T> out = Napi::TypedArrayOf<T>::New(env, count);
    s = count ? ring->read_into(start, end, out.Data()) : Ring::Status::ok;
    if (s != Ring::Status::ok) throw_status(env, "Ring.read", s, *ring, start, end);
    return out;
  }

  // A Float32Array (Float64Array) over ring memory whose finalizer holds a shared_ptr, so the
  // view outlives release() and handle GC safely. Empty when the runtime forbids external buffers
  // (Electron's V8 sandbox returns napi_no_external_buffers_allowed): the caller then copies.
  template <class T>
  static Napi::Value external_view(Napi::Env env, const std::shared_ptr<Ring>& ring, const T* p, size_t count) {
    auto* keep = new std::shared_ptr<Ring>(ring);
    napi_value ab = nullptr;
    const napi_status st = napi_create_external_arraybuffer(
        env, const_cast<T*>(p), count * sizeof(T), [](napi_env, void*, void* hint) { delete static_cast<std::shared_ptr<Ring>*>(hint); },
        keep, &ab);
    if (st != napi_ok) {
      delete keep;
      bool pending = false;
      if (napi_is_exception_pending(env, &pending) == napi_ok && pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
      }
      return Napi::Value();
    }
    return Napi::TypedArrayOf<T>::New(env, count, Napi::ArrayBuffer(env, ab), 0);
  }

  template <class T>
  Napi::Value ReadIntoTyped(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto ring = live(env, "Ring.readInto");
    const uint64_t start = index_arg(info, 0, "Ring.readInto: start");
    const uint64_t end = index_arg(info, 1, "Ring.readInto: end");
    const Span<T> out = samples_arg<T>(info, 2, "Ring.readInto: out");
    if (start > end) throw_status(env, "Ring.readInto", Ring::Status::range, *ring, start, end);
    const uint64_t need = (end - start) * channels_;
    if (out.length < need) {
      throw Napi::RangeError::New(env, "Ring.readInto: out holds " + std::to_string(out.length) +
                                           (sizeof(T) == 8 ? " doubles, " : " floats, ") + std::to_string(need) + " needed");
    }
    const Ring::Status s = ring->read_into(start, end, out.data);
    if (s != Ring::Status::ok) throw_status(env, "Ring.readInto", s, *ring, start, end);
    return info.Env().Undefined();
  }

  Napi::Value Release(const Napi::CallbackInfo& info) {
    if (owner_ && ring_) labscope::unregister_ring(id_);
    ring_.reset();
    return info.Env().Undefined();
  }

  std::shared_ptr<Ring> ring_;  // dropped by release() or when GC finalizes this handle
  uint32_t id_ = 0;
  uint32_t channels_ = 0;
  uint64_t capacity_ = 0;
  SampleType type_ = SampleType::float32;
  bool owner_ = false;  // created by `new Ring`: release() also removes the registry entry
};

class RdaDecoderHandle : public Napi::ObjectWrap<RdaDecoderHandle> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "RdaDecoder",
                       {InstanceMethod<&RdaDecoderHandle::Decode>("decode"), InstanceAccessor<&RdaDecoderHandle::Started>("started"),
                        InstanceAccessor<&RdaDecoderHandle::Channels>("channels")});
  }
  explicit RdaDecoderHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RdaDecoderHandle>(info) {}

 private:
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value Started(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), decoder_.started()); }
  Napi::Value Channels(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), decoder_.channels()); }

  rda::Decoder decoder_;
};

RingHandle& LabscopeAddon::unwrap_ring(const Napi::Value& v, const char* what) {
  bool tagged = false;
  if (v.IsObject()) napi_check_object_type_tag(v.Env(), v, &kRingTag, &tagged);
  if (!tagged) {
    throw Napi::TypeError::New(v.Env(), std::string(what) + " must be a Ring");
  }
  return *RingHandle::Unwrap(v.As<Napi::Object>());
}

// The per-message call: the header fields go into the caller's Float64Array `head` (type, size,
// block, points) instead of a fresh object, because building a JS object through Node-API costs
// more than copying a typical block. Objects are made only for what is rare: a start message's
// description and a block's markers. src/core/native.ts wraps this into the documented decode().
Napi::Value RdaDecoderHandle::Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Span<uint8_t> msg = bytes_arg(info, 0, "RdaDecoder.decode: message");
  std::shared_ptr<Ring> ring;
  if (!info[1].IsUndefined() && !info[1].IsNull()) {
    ring = env.GetInstanceData<LabscopeAddon>()->unwrap_ring(info[1], "RdaDecoder.decode: ring").live(env, "RdaDecoder.decode");
  }
  const Span<double> head_arg = typed_arg<double>(info, 2, napi_float64_array, "RdaDecoder.decode: head", "Float64Array");
  if (head_arg.length < 4) throw Napi::TypeError::New(env, "RdaDecoder.decode: head must hold 4 numbers");
  double* head = head_arg.data;
  const rda::Result r = decoder_.decode(msg.data, msg.length, ring.get());
  if (!r.ok) throw coded(env, r.error, "ERDA");
  head[0] = r.type;
  head[1] = r.size;
  head[2] = r.block;
  head[3] = r.points;
  if (r.type == rda::kStart) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("channels", r.channels);
    o.Set("intervalUs", r.interval_us);
    Napi::Array res = Napi::Array::New(env, r.channels);
    Napi::Array names = Napi::Array::New(env, r.channels);
    for (uint32_t c = 0; c < r.channels; ++c) {
      res.Set(c, r.resolutions[c]);
      names.Set(c, r.names[c]);
    }
    o.Set("resolutions", res);
    o.Set("names", names);
    return o;
  }
  if (r.markers.empty()) return env.Undefined();
  Napi::Array markers = Napi::Array::New(env, r.markers.size());
  for (uint32_t i = 0; i < r.markers.size(); ++i) {
    const rda::Marker& m = r.markers[i];
    Napi::Object mo = Napi::Object::New(env);
    mo.Set("position", m.position);
    mo.Set("points", m.points);
    mo.Set("channel", m.channel);
    mo.Set("type", m.type);
    mo.Set("description", m.description);
    markers.Set(i, mo);
  }
  return markers;
}

LabscopeAddon::LabscopeAddon(Napi::Env env, Napi::Object exports) {
  Napi::Function ring = RingHandle::Define(env);
  ring_ctor = Napi::Persistent(ring);

  DefineAddon(exports, {
                           InstanceValue("Ring", ring, napi_enumerable),
                           InstanceValue("RdaDecoderCore", RdaDecoderHandle::Define(env), napi_enumerable),
                           InstanceMethod<&LabscopeAddon::RdaMessageSize>("rdaMessageSize", napi_enumerable),
                           InstanceValue("RDA_MAX_MESSAGE", Napi::Number::New(env, rda::kMaxMessage), napi_enumerable),
                           InstanceMethod<&LabscopeAddon::DecimateMinMax>("decimateMinMax", napi_enumerable),
                           InstanceMethod<&LabscopeAddon::ParseNumberArray>("parseNumberArray", napi_enumerable),
                           InstanceMethod<&LabscopeAddon::MinMaxColumns>("minMaxColumns", napi_enumerable),
                       });
}

// parseNumberArray(text, out, offset, stride): number_array.h's parse of a JS string. The string
// is read as Latin-1, one byte per UTF-16 unit, so positions match the caller's string indices
// and any non-Latin-1 unit becomes a byte no JSON number contains (refused, as it should be).
Napi::Value LabscopeAddon::ParseNumberArray(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "parseNumberArray: text must be a string");
  const Span<double> out = typed_arg<double>(info, 1, napi_float64_array, "parseNumberArray: out", "Float64Array");
  const uint64_t offset = index_arg(info, 2, "parseNumberArray: offset");
  const uint64_t stride = index_arg(info, 3, "parseNumberArray: stride");
  if (stride < 1) throw Napi::RangeError::New(env, "parseNumberArray: stride must be at least 1");
  size_t length = 0;
  napi_get_value_string_latin1(env, info[0], nullptr, 0, &length);
  if (text_.size() < length + 1) text_.resize(length + 1);
  napi_get_value_string_latin1(env, info[0], text_.data(), text_.size(), &length);
  const int64_t n = labscope::parse_number_array(text_.data(), length, out.data, out.length, offset, stride);
  return Napi::Number::New(env, static_cast<double>(n));
}

Napi::Value LabscopeAddon::RdaMessageSize(const Napi::CallbackInfo& info) {
  const Span<uint8_t> bytes = bytes_arg(info, 0, "rdaMessageSize: bytes");
  std::string error;
  const int64_t size = rda::message_size(bytes.data, bytes.length, &error);
  if (size == -2) throw coded(info.Env(), error, "ERDA");
  return Napi::Number::New(info.Env(), static_cast<double>(size));
}

Napi::Value LabscopeAddon::DecimateMinMax(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto ring = unwrap_ring(info[0], "decimateMinMax: ring").live(env, "decimateMinMax");
  const uint64_t start = index_arg(info, 1, "decimateMinMax: start");
  const uint64_t end = index_arg(info, 2, "decimateMinMax: end");
  const uint64_t buckets = index_arg(info, 3, "decimateMinMax: buckets");
  const Span<float> out = float32_arg(info, 4, "decimateMinMax: out");
  if (buckets < 1 || buckets > UINT32_MAX) {
    throw Napi::RangeError::New(env, "decimateMinMax: buckets must be 1.." + std::to_string(UINT32_MAX));
  }
  const uint64_t need = uint64_t{ring->channels()} * buckets * 2;
  if (out.length < need) {
    throw Napi::RangeError::New(env, "decimateMinMax: out holds " + std::to_string(out.length) +
                                         " floats, channels × buckets × 2 = " + std::to_string(need) + " needed");
  }
  uint64_t used_start = 0, used_end = 0;
  const Ring::Status s = labscope::decimate_min_max(*ring, start, end, static_cast<uint32_t>(buckets), out.data, &used_start, &used_end);
  if (s != Ring::Status::ok) throw_status(env, "decimateMinMax", s, *ring, start, end);
  Napi::Array used = Napi::Array::New(env, 2);
  used.Set(0u, static_cast<double>(used_start));
  used.Set(1u, static_cast<double>(used_end));
  return used;
}

// minMaxColumns(samples: Float32Array | Float64Array, channels, buckets, out: Float32Array): the
// ring decimator's kernel over a page of a recorded file.
Napi::Value LabscopeAddon::MinMaxColumns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  napi_typedarray_type type = napi_int8_array;
  size_t length = 0;
  void* data = nullptr;
  bool is_typed = false;
  napi_is_typedarray(env, info[0], &is_typed);
  if (!is_typed || napi_get_typedarray_info(env, info[0], &type, &length, &data, nullptr, nullptr) != napi_ok ||
      (type != napi_float32_array && type != napi_float64_array)) {
    throw Napi::TypeError::New(env, "minMaxColumns: samples must be a Float32Array or a Float64Array");
  }
  const uint64_t channels = index_arg(info, 1, "minMaxColumns: channels");
  const uint64_t buckets = index_arg(info, 2, "minMaxColumns: buckets");
  const Span<float> out = float32_arg(info, 3, "minMaxColumns: out");
  if (channels < 1 || channels > UINT32_MAX || length % channels != 0) {
    throw Napi::RangeError::New(
        env, "minMaxColumns: " + std::to_string(length) + " samples are not whole frames of " + std::to_string(channels) + " channels");
  }
  if (buckets < 1 || buckets > UINT32_MAX)
    throw Napi::RangeError::New(env, "minMaxColumns: buckets must be 1.." + std::to_string(UINT32_MAX));
  const uint64_t need = channels * buckets * 2;
  if (out.length < need) {
    throw Napi::RangeError::New(env, "minMaxColumns: out holds " + std::to_string(out.length) +
                                         " floats, channels × buckets × 2 = " + std::to_string(need) + " needed");
  }
  const uint64_t frames = length / channels;
  const auto c = static_cast<uint32_t>(channels);
  const auto b = static_cast<uint32_t>(buckets);
  if (type == napi_float32_array)
    labscope::min_max_columns(static_cast<const float*>(data), frames, c, b, out.data);
  else
    labscope::min_max_columns(static_cast<const double*>(data), frames, c, b, out.data);
  return env.Undefined();
}

}  // namespace

NODE_API_ADDON(LabscopeAddon)
