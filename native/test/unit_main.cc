#include "check.h"

int main() {
  for (const check::Case& c : check::cases()) {
    const int before = check::failures();
    c.fn();
    std::printf("%s %s\n", check::failures() == before ? "ok  " : "FAIL", c.name);
  }
  std::printf("%zu tests, %d failed checks\n", check::cases().size(), check::failures());
  return check::failures() ? 1 : 0;
}
