#pragma once

#include <arrow/status.h>

#include <functional>
#include <string>

#include "pgtide/common/exit_code.h"

namespace pgtide {

/// Graceful stop on SIGTERM / SIGINT. No work happens in a signal handler: both signals
/// are blocked in every thread and a watcher thread takes them with sigwait(), so on the
/// first one it may log, lock and call the hooks below like any other thread.
///
/// Until EnableGracefulStop() is called a signal ends the process at once (nothing to
/// save yet). After it, the first signal sets the stop flag, logs it and runs the cancel
/// hooks (a running COPY is cancelled); the code that polls StopRequested() winds the run
/// down. A second signal ends the process at once with the exit code of the first.

/// Call first in main(), before any thread is started, so every thread inherits the
/// blocked mask.
void StartSignalWatcher();
/// From here on the first signal asks for a graceful stop instead of exiting.
void EnableGracefulStop();

/// True once a stop was asked for (cheap: one atomic load; poll it in loops).
bool StopRequested();
/// The signal that asked for the stop (SIGTERM, SIGINT), 0 when none.
int StopSignal();
/// "SIGTERM", "SIGINT", or "signal N".
std::string SignalName(int signo);
/// The process exit code of an interrupted run: 128 + the signal number, as shells
/// report a process killed by it (SIGINT: ExitCode::kInterrupted = 130, SIGTERM:
/// ExitCode::kTerminated = 143).
int InterruptedExitCode();
/// An error of class kInterrupted: "<what>: interrupted by SIGTERM".
arrow::Status InterruptedError(const std::string& what);

/// Asks for a stop as if `signo` had arrived (the watcher's first-signal path; tests).
void RequestStop(int signo);

/// Registers `cancel` to run (on a thread of its own) when a stop is asked for, for as
/// long as the object lives. The destructor waits for a running call to finish, so
/// whatever `cancel` touches may be destroyed right after it.
class CancelHook {
 public:
  explicit CancelHook(std::function<void()> cancel);
  ~CancelHook();
  CancelHook(const CancelHook&) = delete;
  CancelHook& operator=(const CancelHook&) = delete;

 private:
  int id_;
};

}  // namespace pgtide
