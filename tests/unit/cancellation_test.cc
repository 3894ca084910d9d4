#include "pgtide/common/cancellation.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "pgtide/common/error_catalogue.h"

namespace pgtide {
namespace {

// The stop flag is process-wide and one-way, so each case runs in a child process.
class CancellationTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

TEST_F(CancellationTest, FirstSignalStopsGracefullyAndRunsHooks) {
  EXPECT_EXIT(
      {
        StartSignalWatcher();
        EnableGracefulStop();
        std::atomic<int> calls{0};
        CancelHook hook([&] { ++calls; });
        {
          CancelHook gone([] { std::_Exit(3); });  // unregistered before the signal
        }
        ::kill(::getpid(), SIGTERM);
        bool ok =
            WaitFor([&] { return calls.load() == 1; }) && StopRequested() &&
            StopSignal() == SIGTERM && InterruptedExitCode() == 143 &&
            ErrorClassOf(InterruptedError("table t")) == ErrorClass::kInterrupted &&
            InterruptedError("table t").message() == "table t: interrupted by SIGTERM";
        std::exit(ok ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(CancellationTest, SecondSignalExitsAtOnceWithTheFirstSignalsCode) {
  EXPECT_EXIT(
      {
        StartSignalWatcher();
        EnableGracefulStop();
        ::kill(::getpid(), SIGINT);
        WaitFor([] { return StopRequested(); });
        ::kill(::getpid(), SIGTERM);
        std::this_thread::sleep_for(std::chrono::seconds(10));
        std::exit(1);  // not reached: the watcher exits first
      },
      ::testing::ExitedWithCode(130), "SIGTERM again; exiting now with code 130");
}

TEST_F(CancellationTest, AHangingCancelDoesNotBlockTheSecondSignal) {
  EXPECT_EXIT(
      {
        StartSignalWatcher();
        EnableGracefulStop();
        std::atomic<bool> hanging{false};
        CancelHook hook([&] {  // as PQcancel towards a dead network
          hanging = true;
          std::this_thread::sleep_for(std::chrono::seconds(60));
        });
        ::kill(::getpid(), SIGTERM);
        WaitFor([&] { return hanging.load(); });
        ::kill(::getpid(), SIGTERM);
        std::this_thread::sleep_for(std::chrono::seconds(10));
        std::exit(1);
      },
      ::testing::ExitedWithCode(143), "exiting now");
}

TEST_F(CancellationTest, BeforeGracefulStopIsEnabledASignalExitsAtOnce) {
  EXPECT_EXIT(
      {
        StartSignalWatcher();
        ::kill(::getpid(), SIGTERM);
        std::this_thread::sleep_for(std::chrono::seconds(10));
        std::exit(1);
      },
      ::testing::ExitedWithCode(143), "SIGTERM received");
}

TEST_F(CancellationTest, RequestStopWithoutSignalIsInterruptedBySigint) {
  EXPECT_EXIT(
      {
        bool before = !StopRequested() && InterruptedExitCode() == 130;
        RequestStop(SIGINT);
        RequestStop(SIGTERM);  // the first stop wins
        std::exit(before && StopSignal() == SIGINT && InterruptedExitCode() == 130 ? 0
                                                                                   : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace pgtide
