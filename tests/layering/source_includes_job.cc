// Must NOT compile: source/ sits below job/, so a job/ header is not on its include path.
// tests/layering/CMakeLists.txt builds this as a test that passes only when the build
// fails.
#include "pgtide/job/table_plan.h"

int main() { return 0; }
