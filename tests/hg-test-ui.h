/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-test-vm.h"
#include "hg-window-private.h"

G_BEGIN_DECLS

/*
 * Helpers for the widget tests under Xvfb (suite ui): running what is
 * pending, screenshots for docs/screenshots, and waits with a deadline on
 * what the main window shows (host probed, serial terminal, display).
 * Waits iterate the default main context (hg_test_wait_until), never sleep.
 */

/* Runs everything pending on the default main context */
void     hg_test_ui_flush           (void);
/* Waits until *flag is TRUE (set by a signal handler) */
gboolean hg_test_ui_wait_flag       (gboolean     *flag,
                                     guint         timeout_ms);
/* Saves toplevel as $HANGAR_SCREENSHOT_DIR/<name>.png once it has drawn a
 * complete frame; does nothing when the variable is unset or empty. */
void     hg_test_ui_save_screenshot (GtkWidget    *toplevel,
                                     const char   *name);

/* Waits until the window has probed the host (window->caps) */
gboolean hg_test_ui_wait_caps       (HgWindow     *window,
                                     guint         timeout_ms);
/* Waits until the terminal's text contains needle */
gboolean hg_test_ui_wait_serial     (HgSerialView *view,
                                     const char   *needle,
                                     guint         timeout_ms);
/* The same, failing the test with the terminal's text */
void     hg_test_ui_assert_serial   (HgSerialView *view,
                                     const char   *needle,
                                     guint         timeout_ms);
/* Waits until the window's display shows a picture of vm's guest (more
 * than one colour; with past_placeholder also not QEMU's own 640x480
 * "Guest has not initialized the display" screen), failing the test with
 * the VNC session's state otherwise. */
void     hg_test_ui_assert_picture  (HgWindow     *window,
                                     HgVm         *vm,
                                     gboolean      past_placeholder,
                                     guint         timeout_ms);

G_END_DECLS
