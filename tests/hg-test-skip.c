/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hangar-test"
#include "config.h"

#include "hg-test-skip.h"

static gboolean
env_true (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && (g_ascii_strcasecmp (value, "true") == 0
                           || g_ascii_strcasecmp (value, "yes") == 0
                           || g_strcmp0 (value, "1") == 0);
}

gboolean
hg_test_no_skip (void)
{
  if (g_getenv ("HANGAR_TEST_NO_SKIP") != NULL)
    return env_true ("HANGAR_TEST_NO_SKIP");
  return env_true ("CI");
}

void
hg_test_skip_or_fail (const char *reason)
{
  if (hg_test_no_skip ())
    g_test_fail_printf ("not skipped under CI (HANGAR_TEST_NO_SKIP): %s", reason);
  else
    g_test_skip (reason);
}

void
hg_test_skip_or_fail_printf (const char *format,
                             ...)
{
  g_autofree char *reason = NULL;
  va_list args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  hg_test_skip_or_fail (reason);
}
