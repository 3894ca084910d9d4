/* reap CMD [ARGS...] — runs CMD and waits for it *and* for every process it leaves
 * behind.
 *
 * Why: /usr/bin/time -v only counts the CPU time of processes that are waited for. Some
 * tools start helpers they never wait for (pyspark starts Spark's JVM and lets it exit on
 * its own), so their CPU would go uncounted. As a "child subreaper" this program adopts
 * such orphans and waits for them, so `/usr/bin/time -v reap CMD` counts the CPU of the
 * whole process tree. Orphans still running GRACE seconds after CMD exits are killed
 * (SIGKILL to CMD's process group), and so is everything at once on SIGTERM (the
 * benchmark's time-out); the exit status is CMD's own.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

enum { GRACE = 120 };
static pid_t group;

static void kill_group(int sig) {
  (void)sig;
  kill(-group, SIGKILL);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: reap CMD [ARGS...]\n");
    return 2;
  }
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    setpgid(0, 0);
    execvp(argv[1], argv + 1);
    perror(argv[1]);
    _exit(127);
  }
  group = child;
  setpgid(child, child);
  signal(SIGALRM, kill_group);
  signal(SIGTERM, kill_group);
  int rc = 1;
  for (;;) {
    int status;
    pid_t p = wait(&status);
    if (p < 0) {
      if (errno == EINTR) continue;
      break; /* ECHILD: nothing left */
    }
    if (p == child) {
      rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      alarm(GRACE);
    }
  }
  return rc;
}
