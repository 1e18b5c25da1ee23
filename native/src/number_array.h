// A JSON array of numbers ("[1.5, -2e-3, nan, ...]") into doubles at a stride: mokucli's sample
// arrays, whose 17-digit doubles are most of what a Moku stream costs to read. Plain C++ (no
// N-API), so the fuzzer links it alone.
#pragma once

#include <cstddef>
#include <cstdint>

namespace labscope {

// Parses the whole of text[0, length): optional JSON white space, '[', elements separated by ',',
// ']', optional white space, and nothing else. An element is a number as JSON spells it (no
// leading zeros, digits after '.', digits in an exponent) or one of mokucli's words: nan, NaN,
// -nan, null (NaN), inf, Infinity (+inf), -inf, -Infinity. Element k goes to out[offset + k *
// stride], which must be below out_length. Returns the number of elements, or -1 when the text is
// anything else or does not fit (nothing is said why: the caller's own parser words the error).
// Values are correctly rounded (std::from_chars); beyond the double range they are +-inf or +-0,
// as JSON.parse makes them.
int64_t parse_number_array(const char* text, size_t length, double* out, size_t out_length, size_t offset, size_t stride);

}  // namespace labscope
