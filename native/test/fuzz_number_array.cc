// libFuzzer target for parse_number_array (mokucli's sample arrays): any text, any output size,
// offset and stride from the input's first bytes. The text is copied into an exact-size heap
// block and the output is exactly out_length doubles, so ASan sees any read or write past them;
// a result must be -1 or a count whose last slot lies inside the output.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "number_array.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  const size_t out_length = data[0] % 64;
  const size_t offset = data[1] % 8;
  const size_t stride = 1 + data[2] % 4;
  const size_t length = size - 3;
  std::unique_ptr<char[]> text(new char[length ? length : 1]);
  std::memcpy(text.get(), data + 3, length);
  std::unique_ptr<double[]> out(new double[out_length ? out_length : 1]);
  const int64_t n = labscope::parse_number_array(text.get(), length, out.get(), out_length, offset, stride);
  if (n < -1) std::abort();
  if (n > 0 && offset + static_cast<size_t>(n - 1) * stride >= out_length) std::abort();
  return 0;
}
