// A disk that is slow to finish writes, for the fault tests (loaded with LD_PRELOAD): the first
// fsync or fdatasync of a thread other than the main one sleeps SLOW_FSYNC_MS first (once per
// process, so a test waits for one slow close, not one per file), as they do when eight
// recordings flush hundreds of MB at once on a busy machine. The sleep is a real blocking C call,
// like the kernel's writeback wait: worker.terminate() cannot interrupt it, which is the point
// (a JS-level delay such as Atomics.wait would be interrupted and so hide the problem).
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>

namespace {
std::atomic<bool> paused{false};

void pause_if_asked() {
  const char* text = std::getenv("SLOW_FSYNC_MS");
  if (text == nullptr || syscall(SYS_gettid) == getpid() || paused.exchange(true)) return;
  const long ms = std::atol(text);
  timespec t{ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&t, &t) != 0) {
  }
}
}  // namespace

extern "C" int fsync(int fd) {
  pause_if_asked();
  return static_cast<int>(syscall(SYS_fsync, fd));
}

extern "C" int fdatasync(int fd) {
  pause_if_asked();
  return static_cast<int>(syscall(SYS_fdatasync, fd));
}
