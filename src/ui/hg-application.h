/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hg-notifier.h"

G_BEGIN_DECLS

/*
 * HgApplication — the single-instance GtkApplication (io.github.hangarvm.Hangar).
 * Options: --base DIR (repeatable; default: the library's default bases),
 * --select VM (label, directory or .hangar), --display VM (selected, Display page).
 * App actions: app.quit, app.about, app.preferences (Ctrl+,),
 * app.shortcuts (help overlay).
 */

#define HG_TYPE_APPLICATION (hg_application_get_type ())
G_DECLARE_FINAL_TYPE (HgApplication, hg_application, HG, APPLICATION, GtkApplication)

HgApplication      *hg_application_new        (void);
/* The base directories the windows show (NULL-terminated, owned). */
const char * const *hg_application_get_bases  (HgApplication *self);
void                hg_application_set_bases  (HgApplication *self,
                                               const char * const *bases);
/* The preferences (NULL when the schema is not installed) and the
 * notifier that windows hand their VMs to (hg_notifier_watch). */
GSettings          *hg_application_get_settings (HgApplication *self);
HgNotifier         *hg_application_get_notifier (HgApplication *self);

G_END_DECLS
