/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * A test whose prerequisite (a tool, a guest, root) is missing.  On a
 * developer's machine the case is skipped, visibly: the tests run with
 * --tap under meson, so it shows as "ok N /path # SKIP reason" in the log
 * and `meson test -v`.  Where a skip would hide that a claim went untested
 * it fails instead: under HANGAR_TEST_NO_SKIP=1, or CI=true when
 * HANGAR_TEST_NO_SKIP is not set (tools/test.sh sets it under CI).
 * The caller returns right after, as after g_test_skip().
 */
gboolean hg_test_no_skip             (void);
void     hg_test_skip_or_fail        (const char *reason);
void     hg_test_skip_or_fail_printf (const char *format, ...) G_GNUC_PRINTF (1, 2);

/*
 * At the top of the body of a test with a fixture: GLib (2.74) runs the
 * body even when the fixture's setup skipped or failed, so a setup that
 * called hg_test_skip_or_fail() must stop the body here.
 */
#define HG_TEST_RETURN_IF_SETUP_STOPPED()  \
  G_STMT_START {                           \
    if (g_test_failed ())                  \
      return;                              \
  } G_STMT_END

G_END_DECLS
