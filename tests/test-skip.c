/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "hg-test-skip.h"

/*
 * The suite's own promise: a case whose prerequisite is missing is skipped
 * where a developer runs it and fails under CI, and a fixture whose setup
 * stopped never runs its body.
 */

typedef struct
{
  gboolean body_ran;
} Fixture;

static void
missing_setup (Fixture       *f,
               gconstpointer  data)
{
  hg_test_skip_or_fail ("frobnicator is not installed");
}

static void
missing_body (Fixture       *f,
              gconstpointer  data)
{
  HG_TEST_RETURN_IF_SETUP_STOPPED ();
  f->body_ran = TRUE;
  /* TAP comment: what the parent looks for */
  g_print ("# the body ran\n");
}

static void
missing_teardown (Fixture       *f,
                  gconstpointer  data)
{
}

static void
child_missing (void)
{
  hg_test_skip_or_fail ("frobnicator is not installed");
}

static const char *self_path;

/* Runs this program on one child case, in TAP as meson runs it, with
 * HANGAR_TEST_NO_SKIP and CI as given; returns its stdout. */
static char *
run_child (const char *path,
           const char *no_skip,
           const char *ci,
           gboolean   *passed)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                       | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *child = g_strdup_printf ("%s/subprocess", path);
  char *out = NULL;

  if (no_skip != NULL)
    g_subprocess_launcher_setenv (launcher, "HANGAR_TEST_NO_SKIP", no_skip, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "HANGAR_TEST_NO_SKIP");
  if (ci != NULL)
    g_subprocess_launcher_setenv (launcher, "CI", ci, TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "CI");
  proc = g_subprocess_launcher_spawn (launcher, &error, self_path, "--tap", "-p", child, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("%s: %s", child, out);
  *passed = g_subprocess_get_if_exited (proc) && g_subprocess_get_exit_status (proc) == 0;
  return out;
}

static void
test_skip_outside_ci (void)
{
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  gboolean passed;

  /* a developer's machine: skipped, the run passes, the reason shows */
  out = run_child ("/hangar/test/skip-outside-ci", NULL, NULL, &passed);
  g_assert_true (passed);
  g_assert_nonnull (strstr (out, "ok 1 /hangar/test/skip-outside-ci/subprocess # SKIP frobnicator is not installed"));
  /* CI=true but the switch set off explicitly: still a skip */
  out2 = run_child ("/hangar/test/skip-outside-ci", "0", "true", &passed);
  g_assert_true (passed);
  g_assert_nonnull (strstr (out2, "# SKIP frobnicator is not installed"));
}

static void
test_skip_fails_under_ci (void)
{
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  gboolean passed;

  out = run_child ("/hangar/test/skip-fails-under-ci", NULL, "true", &passed);
  g_assert_false (passed);
  g_assert_nonnull (strstr (out, "not ok 1 /hangar/test/skip-fails-under-ci/subprocess - "
                                 "not skipped under CI (HANGAR_TEST_NO_SKIP): frobnicator is not installed"));
  out2 = run_child ("/hangar/test/skip-fails-under-ci", "1", NULL, &passed);
  g_assert_false (passed);
  g_assert_nonnull (strstr (out2, "not ok 1 "));
}

static void
test_fixture_stops (void)
{
  g_autofree char *out = NULL;
  g_autofree char *out2 = NULL;
  gboolean passed;

  /* skipped or failed in the setup, the body never runs */
  out = run_child ("/hangar/test/fixture-stops", NULL, NULL, &passed);
  g_assert_true (passed);
  g_assert_nonnull (strstr (out, "# SKIP frobnicator is not installed"));
  g_assert_null (strstr (out, "the body ran"));
  out2 = run_child ("/hangar/test/fixture-stops", "1", NULL, &passed);
  g_assert_false (passed);
  g_assert_null (strstr (out2, "the body ran"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  self_path = argv[0];
  g_test_add_func ("/hangar/test/skip-outside-ci", test_skip_outside_ci);
  g_test_add_func ("/hangar/test/skip-outside-ci/subprocess", child_missing);
  g_test_add_func ("/hangar/test/skip-fails-under-ci", test_skip_fails_under_ci);
  g_test_add_func ("/hangar/test/skip-fails-under-ci/subprocess", child_missing);
  g_test_add_func ("/hangar/test/fixture-stops", test_fixture_stops);
  g_test_add ("/hangar/test/fixture-stops/subprocess", Fixture, NULL,
              missing_setup, missing_body, missing_teardown);
  return g_test_run ();
}
