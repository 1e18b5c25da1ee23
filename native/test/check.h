// A tiny test framework: TEST registers a case, CHECK* report and count failures without
// stopping, so one run shows every broken expectation.
#pragma once

#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace check {

struct Case {
  const char* name;
  void (*fn)();
};
inline std::vector<Case>& cases() {
  static std::vector<Case> c;
  return c;
}
inline int& failures() {
  static int f = 0;
  return f;
}
struct Register {
  Register(const char* name, void (*fn)()) { cases().push_back({name, fn}); }
};
template <class T>
std::string show(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}
inline void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "%s:%d: %s\n", file, line, what.c_str());
  ++failures();
}

}  // namespace check

#define TEST(name)                                             \
  static void name();                                          \
  static const check::Register name##_registered(#name, name); \
  static void name()

#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) check::fail(__FILE__, __LINE__, "CHECK(" #cond ") failed"); \
  } while (0)

// Operands are copied: (a) may be a reference to a temporary (std::min of rvalues).
#define CHECK_EQ(a, b)                                                                                                      \
  do {                                                                                                                      \
    const auto check_a = (a);                                                                                               \
    const auto check_b = (b);                                                                                               \
    if (!(check_a == check_b))                                                                                              \
      check::fail(__FILE__, __LINE__, "CHECK_EQ(" #a ", " #b "): " + check::show(check_a) + " != " + check::show(check_b)); \
  } while (0)

// The error text must mention `part` (faults are identified by what the message names).
#define CHECK_HAS(text, part)                                                                     \
  do {                                                                                            \
    const std::string check_t = (text);                                                           \
    if (check_t.find(part) == std::string::npos)                                                  \
      check::fail(__FILE__, __LINE__, "\"" + check_t + "\" does not mention \"" + (part) + "\""); \
  } while (0)
