/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * HgPreferencesDialog — edits the io.github.hangarvm.Hangar settings:
 * base directories, defaults for new VMs (console, accelerator, memory),
 * confirmations, notifications, display and terminal options.  Every
 * control is bound to its key (g_settings_bind), so changes apply at once.
 */

#define HG_TYPE_PREFERENCES_DIALOG (hg_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HgPreferencesDialog, hg_preferences_dialog, HG, PREFERENCES_DIALOG, GtkWindow)

HgPreferencesDialog *hg_preferences_dialog_new (GtkWindow *parent,
                                                GSettings *settings);

G_END_DECLS
