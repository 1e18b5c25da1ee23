#include "number_array.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

namespace labscope {
namespace {

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool alnum(char c) { return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Word {
  const char* text;
  size_t length;
  double value;
};

// Longest first where one word starts another ("-Infinity" before "-inf", "Infinity" before "inf").
const Word kWords[] = {
    {"-Infinity", 9, -std::numeric_limits<double>::infinity()}, {"Infinity", 8, std::numeric_limits<double>::infinity()},
    {"-nan", 4, std::numeric_limits<double>::quiet_NaN()},      {"-inf", 4, -std::numeric_limits<double>::infinity()},
    {"null", 4, std::numeric_limits<double>::quiet_NaN()},      {"nan", 3, std::numeric_limits<double>::quiet_NaN()},
    {"NaN", 3, std::numeric_limits<double>::quiet_NaN()},       {"inf", 3, std::numeric_limits<double>::infinity()},
};

// One element at p (< end); on success *value is set and the position after it returned, else nullptr.
const char* element(const char* p, const char* end, double* value) {
  const char* start = p;
  if (p < end && *p == '-') p++;
  if (p == end || !digit(*p)) {
    for (const Word& w : kWords) {
      if (static_cast<size_t>(end - start) >= w.length && std::memcmp(start, w.text, w.length) == 0 &&
          (start + w.length == end || !alnum(start[w.length]))) {
        *value = w.value;
        return start + w.length;
      }
    }
    return nullptr;
  }
  // JSON's grammar, checked here: from_chars alone would take "01", "1." and "inf" too.
  bool negative_exponent = false;
  if (*p == '0') {
    p++;
    if (p < end && digit(*p)) return nullptr;
  } else {
    while (p < end && digit(*p)) p++;
  }
  if (p < end && *p == '.') {
    p++;
    if (p == end || !digit(*p)) return nullptr;
    while (p < end && digit(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) negative_exponent = *p++ == '-';
    if (p == end || !digit(*p)) return nullptr;
    while (p < end && digit(*p)) p++;
  }
  const std::from_chars_result r = std::from_chars(start, p, *value);
  if (r.ptr != p) return nullptr;
  if (r.ec == std::errc::result_out_of_range) {
    // Too large is an infinity and too small a zero, signed, as JSON.parse has them.
    const double magnitude = negative_exponent ? 0.0 : std::numeric_limits<double>::infinity();
    *value = *start == '-' ? -magnitude : magnitude;
  } else if (r.ec != std::errc()) {
    return nullptr;
  }
  return p;
}

}  // namespace

int64_t parse_number_array(const char* text, size_t length, double* out, size_t out_length, size_t offset, size_t stride) {
  const char* p = text;
  const char* end = text + length;
  while (p < end && space(*p)) p++;
  if (p == end || *p != '[') return -1;
  p++;
  while (p < end && space(*p)) p++;
  int64_t count = 0;
  if (p < end && *p == ']') {
    p++;
  } else {
    size_t at = offset;
    for (;;) {
      while (p < end && space(*p)) p++;
      if (p == end || at >= out_length) return -1;
      p = element(p, end, &out[at]);
      if (!p) return -1;
      count++;
      at += stride;
      while (p < end && space(*p)) p++;
      if (p == end) return -1;
      if (*p == ']') {
        p++;
        break;
      }
      if (*p != ',') return -1;
      p++;
    }
  }
  while (p < end && space(*p)) p++;
  return p == end ? count : -1;
}

}  // namespace labscope
