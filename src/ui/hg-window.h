/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-application.h"

G_BEGIN_DECLS

/*
 * HgWindow — the main window: the VM tree on the left, and on the right the
 * selected VM's Details, Display (HgVncView), Serial and Monitor
 * (HgSerialView) pages, and the Networks page (HgNetworkView).  Window actions: win.reload, win.find,
 * win.fullscreen, win.page (s).  VM actions on the selected VM, enabled by
 * its state: vm.start (s: "default" or a boot mode), vm.pause (stateful:
 * paused), vm.shutdown, vm.force-off (asks first), vm.reset, vm.screenshot,
 * vm.send-keys (s).  Closing the window never stops a VM.
 */

#define HG_TYPE_WINDOW (hg_window_get_type ())
G_DECLARE_FINAL_TYPE (HgWindow, hg_window, HG, WINDOW, GtkApplicationWindow)

HgWindow *hg_window_new       (HgApplication      *app);
/* NULL = the library's default bases.  Reloads. */
void      hg_window_set_bases (HgWindow           *self,
                               const char * const *bases);
/* Rescans the library (asynchronously); "library-loaded" follows. */
void      hg_window_reload    (HgWindow           *self);
/* Selects the VM named by label, directory or .hangar path once the
 * library is loaded (reloads if it already is); show_display also shows
 * its Display page.  A name not in the library is said in the info bar. */
void      hg_window_select_vm (HgWindow           *self,
                               const char         *vm,
                               gboolean            show_display);
/* VMs of the library that run now (closing the window leaves them running) */
guint     hg_window_count_running (HgWindow       *self);

G_END_DECLS
