/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/*
 * The window's preferences: the io.github.hangarvm.Hangar GSettings schema
 * (data/io.github.hangarvm.Hangar.gschema.xml).  Only the UI layer reads
 * them; core never depends on GSettings.
 */

/* The settings, or NULL when the schema is neither installed nor in the
 * build tree (an uninstalled build run before `ninja`): callers then use
 * the schema's defaults.  Looks in the default schema sources first
 * ($GSETTINGS_SCHEMA_DIR, $XDG_DATA_DIRS), then in the build tree's data/. */
GSettings *hg_settings_new       (void);

/* The base directories the library shows when no --base is given:
 * default_bases (when include-default-base is set) followed by the
 * base-directories key, without duplicates.  NULL when that is exactly
 * default_bases, so that callers keep "the library's defaults". */
GStrv      hg_settings_dup_bases (GSettings          *settings,
                                  const char * const *default_bases);

/* Restores window's size and maximized state from window-width,
 * window-height and window-maximized, and writes them back when the window
 * is unrealized (closed).  The window must not be shown yet. */
void       hg_settings_bind_window (GSettings *settings,
                                    GtkWindow *window);

G_END_DECLS
