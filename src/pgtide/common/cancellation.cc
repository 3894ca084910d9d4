#include "pgtide/common/cancellation.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "pgtide/common/error_catalogue.h"
#include "pgtide/common/log.h"

namespace pgtide {

namespace {

std::atomic<int> stop_signal{0};
std::atomic<bool> graceful{false};

// Leaked on purpose: the detached watcher may use it while static destructors run.
struct HookRegistry {
  std::mutex mu;  // held while hooks run, so ~CancelHook waits for them
  int next_id = 0;
  std::map<int, std::function<void()>> hooks;
};
HookRegistry& Registry() {
  static auto* registry = new HookRegistry();
  return *registry;
}

// write(2) only: another thread may hold stdio's or the run log's lock for ever.
void WriteStderr(const std::string& s) {
  ssize_t ignored = ::write(STDERR_FILENO, s.data(), s.size());
  (void)ignored;
}

void OnSignal(int signo) {
  int first = stop_signal.load();
  if (!graceful.load() || first != 0) {
    const int code = 128 + (first != 0 ? first : signo);
    WriteStderr(fmt::format("pgtide: {} {}; exiting now with code {}\n",
                            SignalName(signo), first != 0 ? "again" : "received", code));
    ::_exit(code);
  }
  RequestStop(signo);
}

}  // namespace

void StartSignalWatcher() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    while (true) {
      int signo = 0;
      if (sigwait(&set, &signo) == 0) OnSignal(signo);
    }
  }).detach();
}

void EnableGracefulStop() { graceful = true; }

bool StopRequested() { return stop_signal.load(std::memory_order_relaxed) != 0; }

int StopSignal() { return stop_signal.load(); }

std::string SignalName(int signo) {
  switch (signo) {
    case SIGTERM:
      return "SIGTERM";
    case SIGINT:
      return "SIGINT";
    default:
      return fmt::format("signal {}", signo);
  }
}

int InterruptedExitCode() {
  switch (StopSignal()) {
    case SIGTERM:
      return static_cast<int>(ExitCode::kTerminated);
    case 0:
    case SIGINT:
      return static_cast<int>(ExitCode::kInterrupted);
    default:
      return 128 + StopSignal();
  }
}

arrow::Status InterruptedError(const std::string& what) {
  return Error(ErrorClass::kInterrupted,
               fmt::format("{}: interrupted by {}", what, SignalName(StopSignal())));
}

void RequestStop(int signo) {
  int expected = 0;
  if (!stop_signal.compare_exchange_strong(expected, signo)) return;
  LogWarning(
      "received {}: stopping. The running COPY is cancelled, tables not yet committed "
      "are aborted (their files removed), committed tables stay; a second signal exits "
      "at once",
      SignalName(signo));
  // On a thread of their own: a cancel that hangs (PQcancel towards a dead network) must
  // not keep the watcher from taking the second signal.
  std::thread([] {
    auto& r = Registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (auto& [id, cancel] : r.hooks) cancel();
  }).detach();
}

CancelHook::CancelHook(std::function<void()> cancel) {
  auto& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  id_ = r.next_id++;
  r.hooks.emplace(id_, std::move(cancel));
}

CancelHook::~CancelHook() {
  auto& r = Registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.hooks.erase(id_);
}

}  // namespace pgtide
